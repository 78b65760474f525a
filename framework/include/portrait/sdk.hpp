// The one header a stage author includes. See docs/writing-a-plugin.md.
#pragma once

#include "portrait/context.hpp"
#include "portrait/frame.hpp"
#include "portrait/params.hpp"
#include "portrait/plugin.hpp"
#include "portrait/stage.hpp"
#include "portrait/version.hpp"

#include <spdlog/spdlog.h>  // Context::log() returns an spdlog::logger
