// The photos the window steps through: the images of one folder (not recursive),
// sorted by name, and which one is shown.
#pragma once

#include <filesystem>
#include <vector>

namespace portrait::studio {

class ImageList {
public:
    // A file: its folder's images, positioned on it. A folder: its images, on the first.
    // Returns false (and leaves the list empty) when the path is neither.
    bool open(const std::filesystem::path& path);
    const std::vector<std::filesystem::path>& files() const { return files_; }
    const std::filesystem::path& folder() const { return folder_; }
    int index() const { return index_; }
    int size() const { return int(files_.size()); }
    bool empty() const { return files_.empty(); }
    std::filesystem::path current() const;
    bool next();      // false at the end
    bool previous();  // false at the start

    static bool is_image_name(const std::filesystem::path& file);

private:
    std::filesystem::path folder_;
    std::vector<std::filesystem::path> files_;
    int index_ = -1;
};

}  // namespace portrait::studio
