#include "face_mesh_model.hpp"

#include <opencv2/imgproc.hpp>

#include "onnx_net.hpp"

namespace portrait::face {

struct FaceMeshModel::Impl {
    cv::dnn::Net net;
    std::vector<std::string> outputs{"output_mesh", "output_faceflag"};
};

FaceMeshModel::FaceMeshModel(const std::string& path) : impl_(std::make_unique<Impl>()) {
    impl_->net = read_onnx_net(path);
}

FaceMeshModel::~FaceMeshModel() = default;

cv::Mat FaceMeshModel::make_crop(const cv::Mat& bgr, const RotatedSquare& roi) {
    cv::Mat crop;
    // Replicated borders, as MediaPipe's older graph crops, so faces at the image edge
    // still see plausible context.
    cv::warpAffine(bgr, crop, cv::Mat(roi.crop_to_image_matrix(kInput)), {kInput, kInput},
                   cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_REPLICATE);
    cv::cvtColor(crop, crop, cv::COLOR_BGR2RGB);
    crop.convertTo(crop, CV_32F, 1.0 / 255.0);
    return crop;
}

MeshResult FaceMeshModel::run_crop(const cv::Mat& rgb01) {
    CV_Assert(rgb01.type() == CV_32FC3 && rgb01.rows == kInput && rgb01.cols == kInput && rgb01.isContinuous());
    const int dims[] = {1, kInput, kInput, 3};
    impl_->net.setInput(cv::Mat(4, dims, CV_32F, const_cast<uchar*>(rgb01.data)));
    std::vector<cv::Mat> outs;
    impl_->net.forward(outs, impl_->outputs);
    CV_Assert(outs[0].total() == 468 * 3 && outs[1].total() == 1);
    const float* m = outs[0].ptr<float>();
    MeshResult r;
    r.points.resize(468);
    r.z.resize(468);
    for (int i = 0; i < 468; ++i) {
        r.points[i] = {m[3 * i], m[3 * i + 1]};
        r.z[i] = m[3 * i + 2];
    }
    r.face_flag = outs[1].ptr<float>()[0];
    return r;
}

MeshResult FaceMeshModel::run(const cv::Mat& bgr, const RotatedSquare& roi) {
    MeshResult r = run_crop(make_crop(bgr, roi));
    const float k = roi.side / kInput;
    for (int i = 0; i < 468; ++i) {
        r.points[i] = roi.crop_to_image(r.points[i], kInput);
        r.z[i] *= k;
    }
    return r;
}

}  // namespace portrait::face
