// The `gpen` stage: GPEN portrait enhancement (ModelScope image-portrait-enhancement).
// Faces come from the face_mesh stage (Face::align5); each is aligned to the GPEN template,
// restored by the GPEN network, and pasted back with a feathered mask over a background
// that is optionally upsampled (RealESRNet x2, ESRGAN x2 or bicubic). With the EQFace model present,
// the original's quality and identity gate decides per face. See docs/stages/gpen.md.
#include <portrait/sdk.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

#include "device_budget.hpp"
#include "enhance.hpp"
#include "esrgan_background.hpp"
#include "eqface_model.hpp"
#include "paste_mask.hpp"
#include "torch_models.hpp"

namespace {

using namespace portrait;
using namespace portrait::gpen;

// The CLI converts (it knows where Python and the converters are): the stage only names the
// command and which file of the ModelScope download is its SOURCE.
std::string convert_hint(const std::string& model, const std::string& source) {
    return "convert the original checkpoint with: portrait models convert " + model + " SOURCE   (SOURCE: " +
           source + ")";
}

// ctx.find_model names every folder searched and how to fetch or convert the model; add
// which parameter asked for it and which file of the download is the convert's SOURCE.
std::filesystem::path find_or_explain(Context& ctx, const std::string& model, const std::string& why,
                                      const std::string& source) {
    try {
        return ctx.find_model(model, "model.pt");
    } catch (const std::exception& e) {
        throw std::runtime_error("gpen: " + why + " needs model '" + model + "': " + e.what() +
                                 "\nSOURCE for '" + model + "': " + source);
    }
}

std::string fixed3(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.3f", v);
    return b;
}

class GpenStage final : public Stage {
public:
    GpenStage(const Params& p, Context& ctx) {
        size_ = std::stoi(p.get_string("model"));
        opt_.scale = int(p.get_int("scale"));
        opt_.alpha = p.get_float("alpha");
        opt_.select.only_center_face = p.get_bool("only_center_face");
        opt_.select.min_face_size = p.get_float("min_face_size");
        opt_.select.max_faces = int(p.get_int("max_faces"));
        opt_.crop_from = p.get_string("crop_from") == "working" ? CropSource::working : CropSource::upscaled;
        opt_.truncate_face = p.get_string("face_precision") == "8bit";
        opt_.color_fix = parse_color_fix(p.get_string("color_fix"));
        opt_.gate.min_quality = p.get_float("min_quality");
        opt_.gate.max_identity_distance = p.get_float("max_identity_distance");
        const int batch = int(p.get_int("batch"));
        opt_.batch = batch > 0 ? batch : 1;  // measured: batching does not pay on CPU (docs/performance.md)
        const std::string model = "gpen-" + p.get_string("model");

        const auto file = find_or_explain(ctx, model, "model: " + p.get_string("model"),
                                          "pytorch_model.pt of the ModelScope GPEN-" + p.get_string("model") +
                                              " download");
        const long declared = sidecar_int(file, "size");
        if (declared > 0 && declared != size_)
            throw std::runtime_error("gpen: " + file.string() + " is a GPEN-" + std::to_string(declared) +
                                     " network but it sits in the '" + model +
                                     "' folder; " + convert_hint(model, "the GPEN-" + std::to_string(size_) +
                                                                 " pytorch_model.pt"));
        device_ = ctx.device();
        // A budget is only handed out for a GPU (Context::device_memory_limit).
        device_budget_ = device_ == "cpu" ? 0 : ctx.device_memory_limit();
        restorer_ = std::make_unique<TorchFaceRestorer>(file, size_, device_);
        weights_ = std::filesystem::file_size(file);  // weights as saved: what sits on the device
        mask_ = make_paste_mask(size_, p.get_float("feather"));

        const std::string bg = p.get_string("background");
        if (bg == "realesrnet") {
            const auto sr = find_or_explain(ctx, "realesrnet-x2", "background: realesrnet",
                                            "super_resolution/realesrnet_x2.pth of the ModelScope GPEN download");
            const int tile = int(p.get_int("tile")), pad = int(p.get_int("tile_pad"));
            sr_ = std::make_unique<TorchUpsampler>(sr, tile, pad, device_);
            upsampler_ = sr_.get();
            weights_ += std::filesystem::file_size(sr);
            tile_ = tile, tile_pad_ = pad;
            // Whole image at once (tile 0) is bounded by max_size instead.
            const std::size_t side = tile > 0 ? std::size_t(tile + 2 * pad) : 4096;
            sr_tile_bytes_ = side * side * kSrBytesPerTilePixel;
        } else if (bg.rfind("esrgan-", 0) == 0) {
            std::filesystem::path x2;
            try {
                x2 = ctx.find_model(bg, "x2/model.pt");
            } catch (const std::exception& e) {
                throw std::runtime_error("gpen: background: " + bg + " needs model '" + bg + "' (x2/model.pt): " +
                                         e.what());
            }
            esrgan_ = std::make_unique<EsrganUpsampler>(x2, bg.substr(7), device_);
            upsampler_ = esrgan_.get();
            weights_ += std::filesystem::file_size(x2);
            sr_tile_bytes_ = esrgan_->tile_bytes();
        } else {
            resize_ = std::make_unique<ResizeUpsampler>(bg == "bicubic" ? cv::INTER_CUBIC : cv::INTER_LINEAR);
            upsampler_ = resize_.get();
        }
        start_gate(p.get_string("quality_gate"), ctx);
        ctx.log().debug("gpen: {} from {}, background {}, scale {}, on {}", model, file.string(), bg, opt_.scale,
                        device_);
    }

    void process(Frame& frame, Context& ctx) override {
        frame.stats["gpen.faces_restored"] = 0;
        if (gate_) {
            frame.stats["gpen.faces_skipped_quality"] = 0;
            frame.stats["gpen.faces_kept_identity"] = 0;
        }
        if (frame.faces.empty() && opt_.scale == 1) return;
        EnhanceOptions opt = opt_;
        Upsampler* background = upsampler_;
        std::unique_ptr<TiledUpsampler> tiled;
        if (device_budget_ > 0) {
            const DevicePlan plan = fit_device(frame, ctx);
            opt.batch = plan.batch;
            if (sr_ && plan.tile != tile_) {
                tiled = std::make_unique<TiledUpsampler>(*sr_, plan.tile);
                background = tiled.get();
            }
        }
        EnhanceResult r = enhance_faces(frame.image, frame.faces, *restorer_, *background, mask_, opt, gate_.get(),
                                        [&ctx] { return ctx.cancelled(); });
        frame.image = r.image;
        frame.output_scale = opt_.scale;
        frame.stats["gpen.faces_restored"] = r.restored;
        report_gate(r, frame);
        ctx.log().debug("{}: gpen restored {} of {} faces", frame.source, r.restored, frame.faces.size());
    }

    std::size_t memory_estimate(cv::Size working) const override {
        // Output and background copy (8-bit) plus the mask winner map (float) at the output
        // size, the network's peak activations per face of a batch (measured peak RSS minus
        // weights: 0.8 GiB at 512, 1.3 GiB at 1024; 2048 extrapolated), and RealESRNet's
        // tile activations (about 0.3 GiB at tile 400), see docs/performance.md.
        const std::size_t out_px = std::size_t(working.area()) * opt_.scale * opt_.scale;
        const std::size_t sr = sr_tile_bytes_;
        return out_px * (3 + 3 + 4) + std::max(std::size_t(opt_.batch) * gpen_bytes_per_face(size_), sr);
    }

private:
    // resources.device_memory_limit: this image's faces per call and RealESRNet tile, or a
    // refusal (the image fails with the reason; the run goes on). Adapting is said once.
    DevicePlan fit_device(const Frame& frame, Context& ctx) {
        DeviceNeeds needs;
        needs.budget = device_budget_;
        needs.weights = weights_;
        needs.face_size = size_;
        needs.batch = opt_.batch;
        needs.faces = opt_.alpha > 0 ? int(frame.faces.size()) : 0;
        needs.gate = gate_ != nullptr;
        needs.realesrnet = sr_ != nullptr;
        // An ESRGAN background keeps its tile (192 + 2 x 24): counted beside the weights.
        if (esrgan_) needs.weights += esrgan_->tile_bytes();
        needs.image = frame.image.size() + cv::Size(frame.image.cols % 2, frame.image.rows % 2);
        needs.tile = tile_;
        needs.pad = tile_pad_;
        const DevicePlan plan = plan_device_memory(needs);
        if (!plan.refused.empty()) throw std::runtime_error(plan.refused);
        const int longest = std::max(needs.image.width, needs.image.height);
        const bool tile_changed = sr_ && plan.tile < (tile_ > 0 ? std::min(tile_, longest) : longest);
        const bool batch_changed = needs.faces > 0 && plan.batch != opt_.batch;
        if ((tile_changed || batch_changed) && !adapt_logged_.exchange(true))
            ctx.log().info("gpen: within resources.device_memory_limit {} MiB on {}: {} faces per call (batch {}), "
                           "RealESRNet tile {} (tile {}); said once, later images may differ",
                           device_budget_ >> 20, device_, plan.batch, opt_.batch, plan.tile, tile_);
        return plan;
    }

    // quality_gate: auto is on exactly when the EQFace model is found, as the original
    // always runs it; off is said once, here, not per image.
    void start_gate(const std::string& mode, Context& ctx) {
        if (mode == "off") {
            ctx.log().info("gpen: quality gate off (quality_gate: off): every face is restored without the "
                           "original's quality and identity checks");
            return;
        }
        std::filesystem::path file;
        try {
            file = ctx.find_model("eqface", "model.pt");
        } catch (const std::exception& e) {
            const std::string why = e.what();
            // A file that is there but fails its checksum is an error in either mode.
            if (mode == "on" || why.find("not found; searched") == std::string::npos)
                throw std::runtime_error("gpen: quality_gate: " + mode + " needs model 'eqface': " + why + "\n" +
                                         convert_hint("eqface", "the ModelScope GPEN download folder"));
            ctx.log().info("gpen: quality gate off: model 'eqface' not found (quality_gate: auto), so every face "
                           "is restored without the original's quality and identity checks; get it with: "
                           "portrait models fetch eqface");
            return;
        }
        gate_ = std::make_unique<TorchFaceScorer>(file, device_);
        weights_ += std::filesystem::file_size(file);
        ctx.log().info("gpen: quality gate on (EQFace {}): restore when quality >= {}, keep when identity "
                       "distance <= {}", file.string(), opt_.gate.min_quality, opt_.gate.max_identity_distance);
    }

    // Every face the gate turned away is reported with its number, never silently.
    void report_gate(const EnhanceResult& r, Frame& frame) const {
        if (!gate_) return;
        int low = 0, kept = 0;
        for (const FaceResult& f : r.faces) {
            const std::string n = std::to_string(f.index + 1);  // 1-based, detection order
            frame.stats["gpen.face" + n + ".quality"] = f.quality;
            if (f.identity_distance >= 0) frame.stats["gpen.face" + n + ".identity_distance"] = f.identity_distance;
            if (f.outcome == FaceOutcome::low_quality) {
                ++low;
                frame.warnings.push_back("gpen: face " + n + " not restored: EQFace quality " + fixed3(f.quality) +
                                         " < min_quality " + fixed3(opt_.gate.min_quality));
            } else if (f.outcome == FaceOutcome::identity_changed) {
                ++kept;
                frame.warnings.push_back("gpen: face " + n + " kept as it was: identity distance " +
                                         fixed3(f.identity_distance) + " > max_identity_distance " +
                                         fixed3(opt_.gate.max_identity_distance));
            }
        }
        frame.stats["gpen.faces_skipped_quality"] = low;
        frame.stats["gpen.faces_kept_identity"] = kept;
    }

    int size_ = 512;
    EnhanceOptions opt_;
    std::unique_ptr<FaceRestorer> restorer_;
    std::unique_ptr<TorchUpsampler> sr_;       // background: realesrnet
    std::unique_ptr<EsrganUpsampler> esrgan_;  // background: esrgan-*
    std::unique_ptr<ResizeUpsampler> resize_;  // background: none, bicubic
    Upsampler* upsampler_ = nullptr;           // the one of the three in use
    std::unique_ptr<FaceScorer> gate_;         // null: no quality gate
    std::size_t sr_tile_bytes_ = 0;
    int tile_ = 0, tile_pad_ = 0;
    std::string device_ = "cpu";
    std::size_t device_budget_ = 0;  // bytes on a GPU; 0 = none
    std::size_t weights_ = 0;        // of every network on the device
    std::atomic<bool> adapt_logged_{false};
    cv::Mat mask_;
};

}  // namespace

PORTRAIT_PLUGIN("gpen", "1.0.0", "Apache-2.0", "GPEN portrait enhancement (face restoration and paste-back)") {
    StageSpec spec;
    spec.name = "gpen";
    spec.description = "Restore every face with GPEN and paste it back; optional 2x output with RealESRNet or ESRGAN";
    spec.params = {
        choice_param("model", "512", {"512", "1024", "2048"},
                     "GPEN network size: model folder gpen-512, gpen-1024 (ModelScope hires) or gpen-2048"),
        choice_param("background", "none", {"none", "realesrnet", "bicubic", "esrgan-slim", "esrgan-medium",
                                            "esrgan-thick"},
                     "how the area outside faces is enlarged when scale is 2 (realesrnet: model realesrnet-x2, the "
                     "original's; esrgan-<variant>: the super_resolution stage's ESRGAN x2, MIT weights from "
                     "portrait models fetch esrgan-<variant>; with scale 1 a network super-resolves then averages "
                     "back)"),
        int_param("scale", 1, 1, 2, "output size factor: 1 keeps the input size, 2 doubles it as ModelScope does"),
        float_param("alpha", 1.0, 0.0, 1.0, "blend of restored (1) and original (0) face"),
        bool_param("only_center_face", false, "restore only the face nearest the image centre"),
        float_param("min_face_size", 16.0, 0.0, 100000.0, "skip faces smaller than this (shorter box side, pixels)"),
        int_param("max_faces", 0, 0, 10000, "restore at most this many faces, the largest first (0 = all)"),
        float_param("feather", 1.0, 0.0, 2.0, "paste-back mask softness; 1 is the reference, 0 a hard edge"),
        choice_param("quality_gate", "auto", {"auto", "on", "off"},
                     "the original's EQFace check (model eqface): restore a face only when its quality is at least "
                     "min_quality, keep the result only when its identity distance is at most max_identity_distance; "
                     "auto = on when the model is present"),
        float_param("min_quality", 0.1, 0.0, 1.0, "EQFace quality below which a face is left unrestored"),
        float_param("max_identity_distance", 0.15, 0.0, 1.0,
                    "EQFace identity distance (half the cosine distance) above which the original face is kept"),
        choice_param("crop_from", "upscaled", {"upscaled", "working"},
                     "where faces are cropped: upscaled = the bilinear 2x image, as the original; working = the "
                     "image itself (one interpolation less)"),
        choice_param("face_precision", "8bit", {"8bit", "float"},
                     "restored face before paste-back: 8bit = truncated as the original; float = kept exact until the "
                     "final blend"),
        choice_param("color_fix", "none", {"none", "mean_std", "wavelet"},
                     "give the restored face the original crop's low-frequency colour before blending (none = the "
                     "original)"),
        int_param("batch", 1, 0, 16, "faces per network call (0 = automatic)"),
        int_param("tile", 400, 0, 8192,
                  "RealESRNet tile side in input pixels (0 = whole image at once); ESRGAN backgrounds use 192"),
        int_param("tile_pad", 32, 0, 512, "context pixels around each RealESRNet tile (ESRGAN: 24)"),
    };
    spec.needs = {caps::kFaces};
    spec.concurrent = false;  // one network call at a time already uses every thread
    registrar.add<GpenStage>(spec);
}
