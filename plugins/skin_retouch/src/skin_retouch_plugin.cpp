// skin_retouch: the ModelScope ABPN skin retoucher (backend abpn) or the built-in,
// network-free one (backend builtin). backend auto picks abpn when its converted
// networks are found, else builtin, and logs which ran. docs/stages/skin_retouch.md.
#include <portrait/sdk.hpp>

#include <memory>
#include <optional>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

#include "abpn_budget.hpp"
#include "abpn_crop.hpp"
#include "abpn_networks.hpp"
#include "abpn_retouch.hpp"
#include "abpn_whitening.hpp"
#include "builtin_retouch.hpp"
#include "model_search.hpp"
#include "skin_mask.hpp"
#include "skin_segmenter.hpp"

namespace {
namespace sk = portrait::skin;

constexpr const char* kModel = "skin-retouching";
constexpr float kAbpnWhitening = 0.8f;    // original whitening_degree
constexpr float kBigKernelHeight = 0.4f;  // crop taller than this share of the image: closing 80, not 30

class SkinRetouchStage final : public portrait::Stage {
public:
    SkinRetouchStage(const portrait::Params& p, portrait::Context& ctx) {
        const std::string backend = p.get_string("backend");
        strength_ = float(p.get_float("strength"));
        builtin_.strength = strength_;
        builtin_.smoothness = float(p.get_float("smoothness"));
        builtin_.blemish_removal = float(p.get_float("blemish_removal"));
        builtin_.tone_evening = float(p.get_float("tone_evening"));
        builtin_.keep_freckles = p.get_bool("keep_freckles");
        const double w = p.get_float("whitening");
        abpn_.degree = float(p.get_float("degree"));
        abpn_.retouch_local = p.get_float("blemish_removal") > 0;
        // Keeping freckles means judging the net's spots, so keep_freckles turns the guard on.
        abpn_.keep_freckles = builtin_.keep_freckles;
        abpn_.spot_guard = p.get_bool("spot_guard") || abpn_.keep_freckles;
        abpn_whitening_ = w < 0 ? kAbpnWhitening : float(w);
        builtin_.whitening = w < 0 ? 0.f : float(w);
        mask_source_ = p.get_string("skin_mask");

        if (backend != "builtin") {
            try {
                sk::AbpnModelFiles files{ctx.find_model(kModel, "detection_net.pt"),
                                         ctx.find_model(kModel, "inpainting_net.pt"),
                                         ctx.find_model(kModel, "generator.pt")};
                sk::NetworkOptions net;
                net.device = ctx.device();
                const std::string precision = p.get_string("precision");
                // auto: the CPU's bf16 instructions say nothing about a GPU, which keeps fp32.
                net.bf16 = precision == "bf16" ||
                           (precision == "auto" && net.device == "cpu" && sk::cpu_has_native_bf16());
                nets_ = std::make_unique<sk::AbpnNetworks>(files, net);
                // A budget is only handed out for a GPU (Context::device_memory_limit).
                device_budget_ = net.device == "cpu" ? 0 : ctx.device_memory_limit();
                // Once per run; at info only when the user chose abpn (else -v shows it).
                ctx.log().log(backend == "abpn" ? spdlog::level::info : spdlog::level::debug,
                              "skin_retouch: backend abpn ({}, {}, on {})", files.generator.parent_path().string(),
                              net.bf16 ? "bf16" : "fp32", net.device);
            } catch (const std::exception& e) {
                if (backend == "abpn") throw std::runtime_error(sk::missing_model_message(e.what()));
                std::string first = e.what();
                first = first.substr(0, first.find('\n'));
                first = first.substr(0, first.find("; searched:"));
                ctx.log().debug("skin_retouch: backend builtin ({}; 'portrait models convert skin-retouching "
                                "SOURCE' enables abpn)", first);
            }
        } else {
            ctx.log().debug("skin_retouch: backend builtin");
        }
        if (nets_ && mask_source_ != "mesh") open_segmenter(ctx);
    }

    void process(portrait::Frame& frame, portrait::Context& ctx) override {
        frame.stats["skin_retouch.backend_abpn"] = nets_ ? 1 : 0;
        std::vector<sk::FaceSkin> skins;
        for (const auto& f : frame.faces) skins.push_back(sk::face_skin(frame.image, f));
        if (frame.faces.empty()) {
            frame.masks[portrait::masks::kSkin] = cv::Mat::zeros(frame.image.size(), CV_8U);
            frame.stats["skin_retouch.faces"] = 0;
            ctx.log().debug("{}: no face, image unchanged", frame.source);
            return;
        }
        if (nets_)
            process_abpn(frame, ctx, skins);
        else
            process_builtin(frame, ctx, skins);
    }

    std::size_t memory_estimate(cv::Size working) const override {
        const std::size_t px = std::size_t(working.area());
        if (!nets_) return px * 48;
        // Crop tensors (a face crop can be the whole image) plus the networks' activations:
        // the inpainting net on a batch of 576x576 tiles dominates (abpn_budget.hpp).
        return sk::abpn_crop_bytes(px, abpn_.tile_batch);
    }

private:
    // Only files the host found in the model folders and checked against their sidecar: a
    // segmenter in a ModelScope download is pointed at, not loaded (no checksum vouches for it).
    void open_segmenter(portrait::Context& ctx) {
        std::vector<std::filesystem::path> files;
        for (const char* f : {"tf_graph.pb", "model.onnx"}) {
            try {
                files.push_back(ctx.find_model(kModel, f));
            } catch (const std::exception& e) {
                // Absent is normal; a file the host refused (no or a wrong checksum) is said.
                const std::string m = e.what();
                if (m.rfind("refused ", 0) == 0) ctx.log().warn("skin_retouch: segmenter {}", m);
            }
        }
        if (files.empty()) {
            for (const auto& d : sk::segmenter_downloads())
                ctx.log().info("skin_retouch: a skin segmenter is in {} but is used only from the model cache, "
                               "checked: {}",
                               d.string(),
                               d.filename() == "tf_graph.pb"
                                   ? "portrait models convert skin-retouching " + d.parent_path().string()
                                   : "copy it to a model folder as skin-retouching/model.onnx with "
                                     "model.onnx.sha256 (sha256sum model.onnx > model.onnx.sha256)");
        }
        for (const auto& f : files) {
            try {
                segmenter_ = std::make_unique<sk::SkinSegmenter>(f);
                ctx.log().info("skin_retouch: skin mask from {} ({})", segmenter_->kind(), f.string());
                return;
            } catch (const std::exception& e) {
                ctx.log().warn("skin_retouch: {}", e.what());
            }
        }
        ctx.log().info("skin_retouch: skin mask from the face mesh and a skin-colour model (no segmenter{})",
                       files.empty() ? " file found" : " OpenCV could run");
    }

    void process_builtin(portrait::Frame& frame, portrait::Context& ctx, const std::vector<sk::FaceSkin>& skins) {
        frame.masks[portrait::masks::kSkin] = sk::faces_skin_mask(frame.image.size(), skins);
        const sk::BuiltinStats st = sk::builtin_retouch(frame.image, skins, builtin_);
        frame.stats["skin_retouch.faces"] = double(frame.faces.size());
        frame.stats["skin_retouch.blemishes"] = st.blemishes;
        frame.stats["skin_retouch.spots_left"] = st.spots_left;
        ctx.log().debug("{}: builtin retouch, {} faces, {} blemishes, {} spots left", frame.source, st.faces,
                        st.blemishes, st.spots_left);
    }

    void process_abpn(portrait::Frame& frame, portrait::Context& ctx, const std::vector<sk::FaceSkin>& skins) {
        const cv::Size size = frame.image.size();
        // 1. Skin mask at the long-side-800 size, from the segmenter or the mesh.
        cv::Mat skin800;
        bool from_network = false;
        if (segmenter_) {
            try {
                cv::Mat rgb, rgb800;
                cv::cvtColor(frame.image, rgb, cv::COLOR_BGR2RGB);
                cv::resize(rgb, rgb800, sk::long_side_size(size), 0, 0, cv::INTER_LINEAR);
                skin800 = segmenter_->segment(rgb800);
                from_network = true;
            } catch (const std::exception& e) {
                ctx.log().warn("{}: {}; using the face-mesh skin mask", frame.source, e.what());
            }
        }
        if (!from_network) {
            cv::Mat person = sk::person_skin_mask(frame.image, frame.faces, skins);
            cv::resize(person, skin800, sk::long_side_size(size), 0, 0, cv::INTER_LINEAR);
        }
        frame.stats["skin_retouch.skin_mask_network"] = from_network ? 1 : 0;
        if (strength_ <= 0) {
            cv::resize(skin800, frame.masks[portrait::masks::kSkin], size, 0, 0, cv::INTER_LINEAR);
            return;
        }

        // 2-4. Every face from the original image, later faces win where crops overlap.
        const cv::Mat original = frame.image.clone();
        cv::Mat output = frame.image.clone();
        bool big_kernel = false;
        int tiles = 0, tiles_run = 0, faces = 0, spots_left = 0;
        for (std::size_t i = 0; i < frame.faces.size(); ++i) {
            const auto& f = frame.faces[i];
            if (ctx.cancelled()) return;
            const cv::Rect crop = sk::abpn_crop_box(f.box, size);
            if (crop.width < 2 || crop.height < 2) continue;
            if (crop.height > kBigKernelHeight * size.height) big_kernel = true;
            sk::AbpnOptions opt = abpn_;
            if (device_budget_ > 0) {  // fewer inpainting tiles per call, or refuse the image
                opt.tile_batch = sk::abpn_tiles_per_call(device_budget_, nets_->weight_bytes(),
                                                         std::size_t(crop.area()), abpn_.tile_batch);
                if (opt.tile_batch == 0)
                    throw std::runtime_error(sk::abpn_budget_refusal(device_budget_, nets_->weight_bytes(), crop.size()));
            }
            const sk::AbpnFaceStats st = sk::abpn_retouch_face(*nets_, original, output, crop, opt, &skins[i]);
            tiles += st.tiles, tiles_run += st.tiles_run, spots_left += st.spots_left, ++faces;
            ctx.log().debug("{}: face {}x{} at ({},{}): detect {:.0f} ms, {} spots left, inpaint {}/{} tiles "
                            "{:.0f} ms, generator {:.0f} ms", frame.source, crop.width, crop.height, crop.x, crop.y,
                            st.detect_ms, st.spots_left, st.tiles_run, st.tiles, st.inpaint_ms, st.generate_ms);
        }
        // 5. Whitening of the whole pasted image.
        if (abpn_whitening_ > 0) sk::abpn_whiten(output, skin800, big_kernel, abpn_whitening_);
        if (strength_ < 1) cv::addWeighted(original, 1 - strength_, output, strength_, 0, output);
        output.copyTo(frame.image);
        cv::resize(skin800, frame.masks[portrait::masks::kSkin], size, 0, 0, cv::INTER_LINEAR);
        frame.stats["skin_retouch.faces"] = faces;
        frame.stats["skin_retouch.tiles"] = tiles;
        frame.stats["skin_retouch.tiles_run"] = tiles_run;
        if (abpn_.spot_guard) frame.stats["skin_retouch.spots_left"] = spots_left;
    }

    float strength_ = 1.f;
    float abpn_whitening_ = kAbpnWhitening;
    std::string mask_source_;
    sk::BuiltinOptions builtin_;
    sk::AbpnOptions abpn_;
    std::unique_ptr<sk::AbpnNetworks> nets_;
    std::size_t device_budget_ = 0;  // bytes on a GPU; 0 = none
    std::unique_ptr<sk::SkinSegmenter> segmenter_;
};

}  // namespace

PORTRAIT_PLUGIN("skin_retouch", "1.0.0", "MIT", "Skin retouching: ModelScope ABPN networks or a built-in retoucher") {
    portrait::StageSpec spec;
    spec.name = "skin_retouch";
    spec.description = "Smooths skin and removes blemishes (ABPN networks when converted, else built in)";
    spec.params = {
        portrait::choice_param("backend", "auto", {"auto", "abpn", "builtin"},
                               "abpn: ModelScope's networks (convert them first); builtin: no model; "
                               "auto: abpn when its model is found, else builtin"),
        portrait::float_param("strength", 0.7, 0.0, 1.0,
                              "0 leaves the image unchanged; builtin: amount of the whole effect; "
                              "abpn: mix of the retouched image over the original (1 = the original's output)"),
        portrait::float_param("smoothness", 0.5, 0.0, 1.0, "builtin: size and amount of skin smoothing"),
        portrait::float_param("blemish_removal", 0.5, 0.0, 1.0,
                              "builtin: sensitivity of spot removal (0 = off); abpn: 0 turns the "
                              "detection + inpainting networks off"),
        portrait::bool_param("keep_freckles", false,
                             "leave small faint brown spots (at most 3.5 % of the face width, 15 % darker "
                             "than the skin around them); builtin: jewellery, piercings and highlights are "
                             "always left; abpn: turns spot_guard on"),
        portrait::bool_param("spot_guard", false,
                             "abpn: judge the detection net's spots against the skin around them and inpaint "
                             "only blemishes, leaving jewellery, piercings and highlights; off = the original's "
                             "output (builtin always judges)"),
        portrait::float_param("tone_evening", 0.3, 0.0, 1.0, "builtin: evens out blotchy skin colour (0 = off)"),
        portrait::float_param("whitening", -1.0, -1.0, 1.0,
                              "skin brightening 0..1; -1 = the backend's default (abpn 0.8 as the original, builtin 0)"),
        portrait::float_param("degree", 1.0, 0.0, 2.0,
                              "abpn: strength of the generator's blend layer (original 1.0; 0.7 in the _torch sibling)"),
        portrait::choice_param("precision", "auto", {"auto", "fp32", "bf16"},
                               "abpn: network arithmetic; auto = bf16 on CPUs with native bf16 (about 2x "
                               "faster, ~1e-2 relative difference), else fp32 (the original's)"),
        portrait::choice_param("skin_mask", "auto", {"auto", "network", "mesh"},
                               "abpn whitening mask: the original's segmenter (tf_graph.pb / model.onnx via OpenCV) "
                               "when it loads, else the face mesh + skin colour; mesh: always the latter"),
    };
    spec.needs = {portrait::caps::kFaces, portrait::caps::kFaceMesh};
    spec.provides = {portrait::caps::kSkinMask};
    spec.concurrent = true;
    registrar.add<SkinRetouchStage>(spec);
}
