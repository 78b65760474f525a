// portrait models: the model catalogue, converters and the cache.
#include <iostream>

#include "cli_common.hpp"
#include "portrait/runtime/data_dirs.hpp"
#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/logging.hpp"
#include "portrait/runtime/model_locator.hpp"

namespace portrait::cli {

int cmd_models(const std::vector<std::string>& args) {
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        std::cout << "usage: portrait models path\n";
        return kOk;
    }
    if (args[0] == "path") {
        ModelLocator loc;
        for (const auto& d : loc.search_path()) std::cout << d.string() << "\n";
        return kOk;
    }
    throw UsageError("unknown 'models' command '" + args[0] + "'");
}

}  // namespace portrait::cli
