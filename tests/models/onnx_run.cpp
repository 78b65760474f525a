// Runs an ONNX file through OpenCV DNN on a raw float32 NHWC tensor and writes each requested
// output as raw float32. The conversion test builds it on the fly (Debian has no python cv2),
// so it checks exactly the runtime the C++ stages use.
//
//   onnx_run MODEL.onnx INPUT.f32 N H W C OUTDIR OUTPUT_NAME...
//   onnx_run MODEL.onnx --bench N_ITER          (one 192x192x3 input, prints ms per call)
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    if (argc >= 4 && std::string(argv[2]) == "--bench") {
        cv::setNumThreads(1);
        cv::dnn::Net net = cv::dnn::readNetFromONNX(argv[1]);
        const int sizes[] = {1, 192, 192, 3};
        cv::Mat blob(4, sizes, CV_32F);
        cv::randu(blob, 0.f, 1.f);
        const int iters = std::stoi(argv[3]);
        std::vector<cv::Mat> outs;
        const std::vector<std::string> names = net.getUnconnectedOutLayersNames();
        net.setInput(blob);
        net.forward(outs, names);  // warm-up: layer allocation happens on the first call
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < iters; ++i) {
            net.setInput(blob);
            net.forward(outs, names);
        }
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        std::printf("%.3f ms per call (1 thread, %d calls)\n", ms / iters, iters);
        return 0;
    }
    if (argc < 9) {
        std::cerr << "usage: onnx_run MODEL INPUT.f32 N H W C OUTDIR NAME...\n";
        return 2;
    }
    const int dims[] = {std::stoi(argv[3]), std::stoi(argv[4]), std::stoi(argv[5]), std::stoi(argv[6])};
    cv::Mat blob(4, dims, CV_32F);
    std::ifstream in(argv[2], std::ios::binary);
    in.read(reinterpret_cast<char*>(blob.data), static_cast<std::streamsize>(blob.total() * sizeof(float)));
    if (!in) {
        std::cerr << "onnx_run: input file is shorter than N*H*W*C floats\n";
        return 1;
    }
    cv::dnn::Net net = cv::dnn::readNetFromONNX(argv[1]);
    std::vector<std::string> names(argv + 8, argv + argc);
    std::vector<cv::Mat> outs;
    net.setInput(blob);
    net.forward(outs, names);
    for (size_t i = 0; i < names.size(); ++i) {
        cv::Mat o = outs[i].isContinuous() ? outs[i] : outs[i].clone();
        std::ofstream f(std::string(argv[7]) + "/" + names[i] + ".f32", std::ios::binary);
        f.write(reinterpret_cast<const char*>(o.data), static_cast<std::streamsize>(o.total() * sizeof(float)));
        std::cout << names[i] << " " << o.total() << "\n";
    }
    return 0;
}
