// Problems in plain words: what happened, the runtime's own message, and what to do.
// The window shows them; the log gets the same text.
#pragma once

#include <filesystem>
#include <string>

namespace portrait::studio {

struct ErrorInfo {
    std::string title;   // one short sentence: what went wrong
    std::string detail;  // the runtime's message (file, stage, reason)
    std::string hint;    // what to do about it
    std::string text() const;  // all three, one per line, for the log and tests
};

ErrorInfo pipeline_error(const std::filesystem::path& pipeline, const std::string& message);
ErrorInfo stage_start_error(const std::string& message);
ErrorInfo read_error(const std::filesystem::path& file, const std::string& message);
ErrorInfo process_error(const std::filesystem::path& file, const std::string& failed_stage, const std::string& message);
ErrorInfo save_error(const std::filesystem::path& target, const std::string& message);
ErrorInfo batch_error(const std::filesystem::path& folder, const std::string& message);

}  // namespace portrait::studio
