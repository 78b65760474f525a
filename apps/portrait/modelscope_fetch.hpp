// Downloads a model folder from the ModelScope hub's HTTP API (libcurl):
//   list:  GET {endpoint}/api/v1/models/{org}/{name}/repo/files?Revision={rev}&Recursive=True
//   file:  GET {endpoint}/api/v1/models/{org}/{name}/repo?Revision={rev}&FilePath={path}
// Every file goes to <dest>.part first, resumes with an HTTP Range request after a dropped
// connection, is checked against the listing's Size and Sha256, then renamed into place.
// Files already present with the listed size and digest are not downloaded again.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace portrait::cli {

struct FetchError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
// The hub could not be reached at all (no HTTP answer after every attempt).
struct HubUnreachable : FetchError {
    using FetchError::FetchError;
};

struct HubFile {
    std::string path;    // relative, '/'-separated
    std::uint64_t size = 0;
    std::string sha256;  // lower-case hex; empty when the hub gives none (size is then the only check)
};

struct FetchOptions {
    std::string endpoint;  // e.g. https://www.modelscope.cn (no trailing slash needed)
    int attempts = 5;      // per request
    std::chrono::milliseconds retry_delay{1000};  // doubled after each failure, at most 30 s
    long connect_timeout_s = 30;
    long low_speed_time_s = 60;  // give up a transfer slower than 1 KiB/s for this long
    std::function<void(const std::string&)> log;  // progress lines; may be empty
};

enum class FileOutcome { kPresent, kDownloaded };

struct FetchSummary {
    std::vector<std::string> downloaded;  // paths transferred (fully or by resuming)
    std::vector<std::string> present;     // paths already there and matching
    std::vector<std::string> skipped;     // listed but not matched by the include patterns
    std::uint64_t bytes = 0;              // bytes received over the network
    int resumed = 0;                      // transfers that continued a .part file
};

// $PORTRAIT_MODELSCOPE_ENDPOINT, else https://www.modelscope.cn
std::string default_modelscope_endpoint();
std::string file_list_url(const std::string& endpoint, const std::string& model_id, const std::string& revision);
std::string file_url(const std::string& endpoint, const std::string& model_id, const std::string& revision,
                     const std::string& path);

// The hub's blob entries (trees and .gitignore/.gitattributes left out). Throws FetchError.
std::vector<HubFile> list_hub_files(const std::string& model_id, const std::string& revision,
                                    const FetchOptions& options);

// Fetches one listed file to `dest`. `bytes` (if given) grows by the bytes received and
// `resumed` by the transfers that continued a .part file. Throws FetchError; after a failed
// transfer the .part file stays for the next run, after a failed check it is removed.
FileOutcome fetch_hub_file(const std::string& url, const HubFile& file, const std::filesystem::path& dest,
                           const FetchOptions& options, std::uint64_t* bytes = nullptr, int* resumed = nullptr);

// Lists the model and fetches every file matching one of `include` (fnmatch patterns on the
// path; empty = all) into dest_dir/<path>.
FetchSummary fetch_hub_model(const std::string& model_id, const std::string& revision,
                             const std::vector<std::string>& include, const std::filesystem::path& dest_dir,
                             const FetchOptions& options);

}  // namespace portrait::cli
