// The face overlay's data: runs the pipeline's face-finding stage (the first enabled
// stage that provides "faces") on its own, at the working resolution the runner would
// use, and returns the faces in full-resolution pixels. The runner keeps its frame to
// itself, so the overlay asks the same stage again with the same parameters.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "portrait/frame.hpp"
#include "portrait/runtime/runner.hpp"

namespace portrait::studio {

struct FaceOverlay {
    bool available = false;   // the pipeline has a face stage and it ran
    std::string note;         // why not, in plain words
    std::vector<Face> faces;  // full-resolution pixels of the input
};

class FaceProbe {
public:
    // Creates the face stage of `runner`'s pipeline (throws std::runtime_error like the
    // Runner when it cannot start). A pipeline without a face stage gives a probe that
    // reports so.
    FaceProbe(const Runner& runner, const std::filesystem::path& temp_dir, int threads);
    ~FaceProbe();
    FaceProbe(const FaceProbe&) = delete;
    FaceProbe& operator=(const FaceProbe&) = delete;

    // `image`: the decoded input (any depth/channels Runner::process accepts).
    FaceOverlay find(const cv::Mat& image, const std::string& source) const;

private:
    struct Impl;
    const Runner& runner_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace portrait::studio
