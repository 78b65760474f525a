#include "portrait/runtime/sha256.hpp"

#include <openssl/evp.h>

#include <array>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace portrait {

std::string sha256_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + file.string());
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
    std::array<char, 1 << 16> buf;
    while (in) {
        in.read(buf.data(), buf.size());
        EVP_DigestUpdate(ctx.get(), buf.data(), std::size_t(in.gcount()));
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx.get(), md, &len);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
    }
    return out;
}

SidecarCheck check_sha256_sidecar(const std::filesystem::path& file) {
    std::filesystem::path sidecar = file;
    sidecar += ".sha256";
    std::ifstream in(sidecar);
    SidecarCheck c;
    if (!(in >> c.expected)) {
        c.result = SidecarCheck::NoSidecar;
        c.message = "refused " + file.string() + ": no checksum file " + sidecar.string() +
                    " (convert or fetch the model again with 'portrait models')";
        return c;
    }
    try {
        c.actual = sha256_file(file);
    } catch (const std::exception& e) {
        c.result = SidecarCheck::Unreadable;
        c.message = "refused " + file.string() + ": " + e.what();
        return c;
    }
    if (c.actual != c.expected) {
        c.result = SidecarCheck::Mismatch;
        c.message = "refused " + file.string() + ": sha256 " + c.actual + " does not match " + sidecar.string() +
                    " (" + c.expected + "); the file is damaged or was replaced";
    }
    return c;
}

void verify_sha256_sidecar(const std::filesystem::path& file) {
    const SidecarCheck c = check_sha256_sidecar(file);
    if (c.result != SidecarCheck::Ok) throw std::runtime_error(c.message);
}

}  // namespace portrait
