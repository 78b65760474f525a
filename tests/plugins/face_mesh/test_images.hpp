// Test photos: skimage's astronaut (Debian python3-skimage) and human's samples.jpg
// (fetched into the cache by models/fetch.sh facemesh). Empty Mat when absent.
#pragma once

#include <string>

#include <opencv2/core.hpp>

#include "face_analyzer.hpp"

namespace portrait::face::testing {

cv::Mat astronaut();
cv::Mat samples_photo();
std::string missing_models_message();  // empty when all face models are in the cache
// The face models where the host finds them (portrait::ModelLocator, sidecars checked);
// empty paths for the ones it does not.
ModelPaths cached_models();

// A 1920x1080 "group photo": copies of the astronaut's head at known sizes and places on a
// neutral background, some cut by the image border. Centres and face widths are returned.
struct PlacedFace {
    cv::Point2f centre;
    float width;
};
cv::Mat synthetic_group(std::vector<PlacedFace>* faces);

}  // namespace portrait::face::testing
