#include "face_select.hpp"

#include <algorithm>
#include <cmath>

namespace portrait::gpen {

double face_size(const Face& face) {
    if (face.box.width > 0 && face.box.height > 0) return std::min(face.box.width, face.box.height);
    const cv::Point2f d = face.align5[kRightEye] - face.align5[kLeftEye];
    return 2.0 * std::hypot(d.x, d.y);
}

namespace {
cv::Point2d face_centre(const Face& f) {
    if (f.box.width > 0 && f.box.height > 0) return {f.box.x + f.box.width / 2.0, f.box.y + f.box.height / 2.0};
    cv::Point2d c(0, 0);
    for (const auto& p : f.align5) c += cv::Point2d(p);
    return c * (1.0 / 5.0);
}
}  // namespace

std::vector<int> select_faces(const std::vector<Face>& faces, cv::Size image, const FaceSelection& sel) {
    std::vector<int> idx;
    for (int i = 0; i < int(faces.size()); ++i)
        if (faces[i].has_align5 && face_size(faces[i]) >= sel.min_face_size) idx.push_back(i);
    if (sel.only_center_face && idx.size() > 1) {
        const cv::Point2d centre(image.width / 2.0, image.height / 2.0);
        auto dist = [&](int i) { return cv::norm(face_centre(faces[i]) - centre); };
        idx = {*std::min_element(idx.begin(), idx.end(), [&](int a, int b) { return dist(a) < dist(b); })};
    }
    if (sel.max_faces > 0 && int(idx.size()) > sel.max_faces) {
        std::vector<int> by_size = idx;
        std::stable_sort(by_size.begin(), by_size.end(),
                         [&](int a, int b) { return face_size(faces[a]) > face_size(faces[b]); });
        by_size.resize(sel.max_faces);
        std::sort(by_size.begin(), by_size.end());  // back to detection order
        idx = by_size;
    }
    return idx;
}

}  // namespace portrait::gpen
