# Every dependency is a Debian -dev package (see setup.sh).
find_package(OpenCV 4 REQUIRED COMPONENTS core imgproc imgcodecs dnn calib3d)
find_package(yaml-cpp REQUIRED)
if(NOT TARGET yaml-cpp::yaml-cpp)  # Debian's 0.7 exports a target without namespace
  add_library(yaml-cpp::yaml-cpp INTERFACE IMPORTED)
  set_target_properties(yaml-cpp::yaml-cpp PROPERTIES INTERFACE_LINK_LIBRARIES yaml-cpp)
endif()
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS program_options)
# Debian's CPU LibTorch by default. Another one (PyTorch's CUDA build of LibTorch, cxx11 ABI,
# unpacked under /opt/libtorch) with -DPORTRAIT_LIBTORCH_DIR=/opt/libtorch: its own CMake
# package then needs the CUDA toolkit it was built for. README "GPU".
set(PORTRAIT_LIBTORCH_DIR "" CACHE PATH "LibTorch to build against instead of Debian's (a folder with share/cmake/Torch)")
if(PORTRAIT_LIBTORCH_DIR)
  find_package(Torch REQUIRED PATHS "${PORTRAIT_LIBTORCH_DIR}" NO_DEFAULT_PATH)
else()
  find_package(Torch REQUIRED)
endif()
message(STATUS "LibTorch: ${Torch_DIR}")
find_package(TBB REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(Threads REQUIRED)
