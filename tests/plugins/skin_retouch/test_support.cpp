#include "test_support.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <opencv2/imgcodecs.hpp>

#include "portrait/runtime/logging.hpp"

namespace fs = std::filesystem;

namespace skin_test {
namespace {

std::string env(const char* name, const char* fallback = "") {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}

fs::path source_dir() { return env("PORTRAIT_SOURCE_DIR", PORTRAIT_TEST_SOURCE_DIR); }
fs::path binary_dir() { return env("PORTRAIT_BINARY_DIR", PORTRAIT_TEST_BINARY_DIR); }

}  // namespace

cv::Mat astronaut() { return cv::imread("/usr/lib/python3/dist-packages/skimage/data/astronaut.png", cv::IMREAD_COLOR); }

cv::Mat samples_photo() { return cv::imread((portrait::cache_dir() / "samples" / "samples.jpg").string(), cv::IMREAD_COLOR); }

fs::path plugin_file(const std::string& plugin) {
    return binary_dir() / "lib" / "portrait" / "plugins" / ("portrait_" + plugin + ".so");
}

std::unique_ptr<portrait::testing::StageHarness> plugin_stage(const std::string& plugin, const std::string& stage,
                                                              const std::string& params,
                                                              std::vector<fs::path> model_dirs) {
    portrait::testing::HarnessOptions o;
    o.model_dirs = std::move(model_dirs);
    o.threads = 2;
    return std::make_unique<portrait::testing::StageHarness>(plugin_file(plugin), stage, params, o);
}

std::string face_mesh_unavailable() {
    if (!fs::exists(plugin_file("face_mesh"))) return "face_mesh plugin not built (" + plugin_file("face_mesh").string() + ")";
    const fs::path m = portrait::cache_dir() / "models";
    for (const fs::path& f : {m / "blazeface" / "face_detection_front_128x128_barracuda.onnx",
                              m / "facemesh" / "facemesh.onnx"})
        if (!fs::exists(f)) return "face model missing: " + f.string() + " (portrait models fetch blazeface facemesh)";
    return {};
}

std::vector<portrait::Face> run_face_mesh(const cv::Mat& image) {
    return plugin_stage("face_mesh", "face_mesh")->process(image).faces;
}

void write_faces(const fs::path& file, const std::vector<portrait::Face>& faces) {
    std::ofstream out(file);
    out.precision(7);
    for (const auto& f : faces) {
        out << "face " << f.box.x << ' ' << f.box.y << ' ' << f.box.width << ' ' << f.box.height << ' ' << f.score
            << ' ' << f.landmarks.size() << '\n';
        for (const auto& p : f.landmarks) out << p.x << ' ' << p.y << '\n';
    }
}

std::vector<portrait::Face> read_faces(const fs::path& file) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read " + file.string());
    std::vector<portrait::Face> faces;
    std::string tag;
    while (in >> tag) {
        portrait::Face f;
        std::size_t n = 0;
        in >> f.box.x >> f.box.y >> f.box.width >> f.box.height >> f.score >> n;
        f.landmarks.resize(n);
        for (auto& p : f.landmarks) in >> p.x >> p.y;
        faces.push_back(f);
    }
    return faces;
}

std::vector<portrait::Face> astronaut_faces() {
    return read_faces(source_dir() / "tests" / "plugins" / "skin_retouch" / "data" / "astronaut_faces.txt");
}

namespace {
// ctest runs test processes in parallel: the first to take the lock builds test models into
// the build tree, the others wait and then find them built. Released when destroyed.
class BuildLock {
public:
    explicit BuildLock(const fs::path& file) : fd_(::open(file.c_str(), O_CREAT | O_RDWR, 0644)) {
        if (fd_ >= 0) ::flock(fd_, LOCK_EX);
    }
    ~BuildLock() {
        if (fd_ >= 0) ::close(fd_);
    }
    BuildLock(const BuildLock&) = delete;
    BuildLock& operator=(const BuildLock&) = delete;

private:
    int fd_;
};
}  // namespace

fs::path recipe_models(std::string* why_not) {
    const fs::path root = binary_dir() / "test-models" / "skin_retouch";
    const fs::path dir = root / "models" / "skin-retouching";
    // The same weights in the checkpoints' own module layout: the benchmark's baseline.
    const fs::path original = root / "models-original" / "skin-retouching";
    auto complete = [&] {
        for (const fs::path& d : {dir, original})
            for (const char* f : {"generator.pt.sha256", "inpainting_net.pt.sha256", "detection_net.pt.sha256"})
                if (!fs::exists(d / f)) return false;
        return true;
    };
    if (complete()) return root / "models";
    fs::create_directories(root);
    const BuildLock lock(root / "build.lock");
    if (complete()) return root / "models";
    fs::remove_all(root / "models");
    fs::remove_all(root / "models-original");
    const fs::path shared = env("PORTRAIT_SHARED", (source_dir().parent_path() / "shared").c_str());
    if (!fs::exists(shared / "fixtures" / "weight_recipe.py")) {
        if (why_not) *why_not = "shared fixtures not found at " + shared.string();
        return {};
    }
    const fs::path make = source_dir() / "models" / "convert" / "make_recipe_checkpoint.py";
    const fs::path conv = source_dir() / "models" / "convert" / "skin_retouching.py";
    if (!fs::exists(make) || !fs::exists(conv) || !fs::exists("/usr/bin/python3")) {
        if (why_not) *why_not = "converter scripts or /usr/bin/python3 missing";
        return {};
    }
    fs::create_directories(root);
    std::ostringstream cmd;
    cmd << "PORTRAIT_SHARED='" << shared.string() << "' /usr/bin/python3 '" << make.string()
        << "' --layout skin_retouching -o '" << (root / "src").string() << "' > '" << (root / "log.txt").string()
        << "' 2>&1 && /usr/bin/python3 '" << conv.string() << "' '" << (root / "src").string() << "' -o '"
        << dir.string() << "' >> '" << (root / "log.txt").string() << "' 2>&1 && /usr/bin/python3 '" << conv.string()
        << "' '" << (root / "src").string() << "' -o '" << original.string() << "' --layout original >> '"
        << (root / "log.txt").string() << "' 2>&1";
    if (std::system(cmd.str().c_str()) != 0) {
        if (why_not) *why_not = "building the recipe model failed, see " + (root / "log.txt").string();
        return {};
    }
    fs::remove_all(root / "src");  // 270 MB of source checkpoints are not needed any more
    return root / "models";
}

fs::path segmenter_graphs(std::string* why_not) {
    const fs::path root = binary_dir() / "test-models" / "skin_retouch";
    const fs::path dir = root / "segmenters";
    const fs::path script = source_dir() / "tests" / "plugins" / "skin_retouch" / "make_segmenter_graphs.py";
    auto complete = [&] {
        for (const char* f : {"tf_graph.pb", "tf_graph_half.pb", "tf_graph_squeeze_all.pb", "model.onnx",
                              "model_hwc1.onnx", "model_half.onnx"})
            if (!fs::exists(dir / (std::string(f) + ".sha256"))) return false;
        // Rebuilt when the generator changes.
        return fs::last_write_time(dir / "model_half.onnx.sha256") >= fs::last_write_time(script);
    };
    if (fs::exists(script) && complete()) return dir;
    fs::create_directories(root);
    const BuildLock lock(root / "segmenters.lock");
    if (!fs::exists(script)) {
        if (why_not) *why_not = "generator script missing: " + script.string();
        return {};
    }
    if (complete()) return dir;
    if (std::system("/usr/bin/python3 -c 'import torch, numpy' > /dev/null 2>&1") != 0) {
        if (why_not) *why_not = "/usr/bin/python3 with torch and numpy not found (Debian python3-torch)";
        return {};
    }
    fs::remove_all(dir);
    const fs::path log = root / "segmenters-log.txt";
    const std::string cmd = "/usr/bin/python3 '" + script.string() + "' '" + dir.string() + "' > '" + log.string() + "' 2>&1";
    if (std::system(cmd.c_str()) != 0 || !complete()) {
        if (why_not) *why_not = "building the self-made skin segmenters failed, see " + log.string();
        return {};
    }
    return dir;
}

}  // namespace skin_test
