// Test-only plugin: stage `test_faces` provides "faces" without a detector. It places one
// face per entry of `centres` ("x,y;x,y", working pixels) whose five points are the GPEN
// 512 template scaled so that the aligned crop spans `crop` pixels, then one face per entry
// of `points` ("x,y x,y x,y x,y x,y;...": the five align5 points themselves).
#include <portrait/sdk.hpp>

#include <sstream>

namespace {

class TestFaces final : public portrait::Stage {
public:
    TestFaces(const portrait::Params& p, portrait::Context&)
        : centres_(p.get_string("centres")), points_(p.get_string("points")), crop_(p.get_float("crop")) {}

    void process(portrait::Frame& frame, portrait::Context&) override {
        // GPEN 512 template (spec §3.5), relative to the crop centre, in crop units.
        static const double t[5][2] = {{202.0407, 242.8840}, {309.4302, 242.2900}, {256.0768, 303.9592},
                                       {211.9598, 366.8282}, {300.8911, 366.3363}};
        std::stringstream ss(centres_);
        std::string item;
        while (std::getline(ss, item, ';')) {
            double x = 0, y = 0;
            if (std::sscanf(item.c_str(), "%lf,%lf", &x, &y) != 2) continue;
            portrait::Face f;
            const double s = crop_ / 512.0;
            for (int i = 0; i < 5; ++i)
                f.align5[i] = cv::Point2f(float(x + (t[i][0] - 256) * s), float(y + (t[i][1] - 256) * s));
            f.has_align5 = true;
            f.box = cv::Rect2f(float(x - crop_ / 4), float(y - crop_ / 4), float(crop_ / 2), float(crop_ / 2));
            f.score = 1.f;
            frame.faces.push_back(f);
        }
        std::stringstream ps(points_);
        while (std::getline(ps, item, ';')) {
            double v[10];
            if (std::sscanf(item.c_str(), "%lf,%lf %lf,%lf %lf,%lf %lf,%lf %lf,%lf", &v[0], &v[1], &v[2], &v[3], &v[4],
                            &v[5], &v[6], &v[7], &v[8], &v[9]) != 10)
                continue;
            portrait::Face f;
            for (int i = 0; i < 5; ++i) f.align5[i] = cv::Point2f(float(v[2 * i]), float(v[2 * i + 1]));
            f.has_align5 = true;
            f.score = 1.f;
            frame.faces.push_back(f);
        }
    }

private:
    std::string centres_, points_;
    double crop_;
};

}  // namespace

PORTRAIT_PLUGIN("gpen_test_faces", "0.0.1", "MIT", "Test faces for the gpen tests") {
    portrait::StageSpec spec;
    spec.name = "test_faces";
    spec.description = "Faces at given centres (tests only)";
    spec.params = {portrait::string_param("centres", "", "x,y;x,y face centres in working pixels"),
                   portrait::string_param("points", "", "five x,y align5 points per face, faces separated by ;"),
                   portrait::float_param("crop", 256, 8, 8192, "aligned crop side in working pixels")};
    spec.provides = {portrait::caps::kFaces};
    registrar.add<TestFaces>(spec);
}
