#include "error_text.hpp"

#include "portrait/runtime/logging.hpp"

namespace portrait::studio {

namespace {

std::string log_note() { return " Details are in the log: " + default_log_file().string() + "."; }

bool mentions(const std::string& text, const char* word) { return text.find(word) != std::string::npos; }

}  // namespace

std::string ErrorInfo::text() const { return title + "\n" + detail + "\n" + hint; }

ErrorInfo pipeline_error(const std::filesystem::path& pipeline, const std::string& message) {
    return {"The pipeline " + pipeline.filename().string() + " cannot be used.", message,
            "Fix the line named above (docs/pipelines.md explains every key), or pick another pipeline "
            "in the Pipeline list." +
                log_note()};
}

ErrorInfo stage_start_error(const std::string& message) {
    std::string hint;
    if (mentions(message, "model") || mentions(message, "sha256"))
        hint = "A model file is missing or damaged. Fetch or convert it with the command named above "
               "(docs/models.md lists them), or untick the feature that needs it.";
    else
        hint = "Untick the feature whose stage is named above, or check the plugin with 'portrait plugins'.";
    return {"A processing stage could not start, so nothing was processed.", message, hint + log_note()};
}

ErrorInfo read_error(const std::filesystem::path& file, const std::string& message) {
    return {"This file could not be opened as a photo: " + file.filename().string(), message,
            "Check that it is a JPEG, PNG, WebP, TIFF or BMP image that you can read, then open it again, or "
            "pick another photo (Open, or the Previous/Next buttons)." +
                log_note()};
}

ErrorInfo process_error(const std::filesystem::path& file, const std::string& failed_stage,
                        const std::string& message) {
    std::string title = "Processing " + file.filename().string() + " failed";
    if (!failed_stage.empty()) title += " in the '" + failed_stage + "' stage";
    return {title + ".", message,
            "Try unticking that feature or lowering its strength, or try another photo." + log_note()};
}

ErrorInfo save_error(const std::filesystem::path& target, const std::string& message) {
    return {"The result was not saved to " + target.filename().string() + ".", message,
            "Choose another folder or file name (the input photo is never replaced)." + log_note()};
}

ErrorInfo batch_error(const std::filesystem::path& folder, const std::string& message) {
    return {"Applying the pipeline to " + folder.string() + " did not run.", message,
            "Check that the folder exists and the output folder is writable, then try again." + log_note()};
}

}  // namespace portrait::studio
