#include "image_list.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace portrait::studio {
namespace fs = std::filesystem;

bool ImageList::is_image_name(const fs::path& file) {
    std::string ext = file.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    static const char* known[] = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp"};
    return std::any_of(std::begin(known), std::end(known), [&](const char* k) { return ext == k; });
}

bool ImageList::open(const fs::path& path) {
    std::error_code ec;
    files_.clear();
    index_ = -1;
    const bool is_dir = fs::is_directory(path, ec);
    if (!is_dir && !fs::is_regular_file(path, ec)) return false;
    folder_ = is_dir ? path : path.parent_path();
    if (folder_.empty()) folder_ = ".";
    for (const auto& e : fs::directory_iterator(folder_, ec)) {
        // Hidden files include the runtime's own temp files (.name.portrait-tmp-...).
        const std::string name = e.path().filename().string();
        if (name.empty() || name[0] == '.') continue;
        std::error_code ec2;
        if (e.is_regular_file(ec2) && is_image_name(e.path())) files_.push_back(e.path());
    }
    std::sort(files_.begin(), files_.end());
    if (is_dir) {
        index_ = files_.empty() ? -1 : 0;
        return true;
    }
    auto it = std::find_if(files_.begin(), files_.end(), [&](const fs::path& f) { return f.filename() == path.filename(); });
    if (it == files_.end()) {
        // A file with an unusual extension (or one that is not an image): show it anyway,
        // so the reader can say what is wrong with it.
        files_.insert(files_.begin(), path);
        it = files_.begin();
    }
    index_ = int(it - files_.begin());
    return true;
}

fs::path ImageList::current() const {
    return index_ >= 0 && index_ < int(files_.size()) ? files_[std::size_t(index_)] : fs::path();
}

bool ImageList::next() {
    if (index_ + 1 >= int(files_.size())) return false;
    ++index_;
    return true;
}

bool ImageList::previous() {
    if (index_ <= 0) return false;
    --index_;
    return true;
}

}  // namespace portrait::studio
