// The studio's logic without a window: features -> pipeline, YAML that `portrait run -p`
// accepts, processing jobs (same pixels as the CLI, cancel, errors), batch, settings.
#include <algorithm>
#include <chrono>
#include <fstream>

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "portrait/runtime/temp_dir.hpp"
#include "core/feature_state.hpp"
#include "core/image_list.hpp"
#include "core/processing_service.hpp"
#include "core/result_saver.hpp"
#include "core/settings_store.hpp"
#include "core/studio_pipeline.hpp"
#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/image_io.hpp"
#include "portrait/runtime/model_locator.hpp"
#include "portrait/runtime/pipeline.hpp"
#include "studio_test_util.hpp"

using namespace portrait;
using namespace portrait::studio;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

const FeatureBinding& binding(const std::vector<FeatureBinding>& v, const std::string& key) {
    for (const auto& b : v)
        if (b.spec.key == key) return b;
    throw std::runtime_error("no binding " + key);
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

int stage_index(const PipelineConfig& c, const std::string& name) {
    for (std::size_t i = 0; i < c.stages.size(); ++i)
        if (c.stages[i].stage == name) return int(i);
    throw std::runtime_error("no stage " + name);
}

// Erase, then add: assigning over a copied config's YAML::Node would change the original too.
void set_param(PipelineConfig& c, const std::string& stage, const std::string& name, const char* value) {
    auto& params = c.stages[std::size_t(stage_index(c, stage))].params;
    params.erase(name);
    params.emplace(name, RawParam{YAML::Node(value), {}});
}

}  // namespace

class StudioLogicTest : public QObject {
    Q_OBJECT

    std::shared_ptr<SharedRegistry> registry_;
    std::unique_ptr<QTemporaryDir> tmp_;

    fs::path tmp(const std::string& name) const { return fs::path(tmp_->path().toStdString()) / name; }

    PipelineConfig test_config(const FeatureChoices& changes = {}) {
        PipelineConfig base = load_pipeline(studio_test::pipelines() / "studio.yaml");
        auto bindings = registry_->read([&](const PluginRegistry& r) { return bind_features(studio_test::test_features(), base, r); });
        FeatureChoices c = choices_from(bindings);
        for (const auto& [k, v] : changes) c[k] = v;
        return registry_->read([&](const PluginRegistry& r) { return runnable_config(apply_features(base, bindings, c), r); });
    }

    // Runs one preview and waits for its final result.
    PreviewResultPtr preview(ProcessingService& s, PreviewRequest req, int timeout_ms = 60000) {
        QSignalSpy done(&s, &ProcessingService::previewDone);
        const auto serial = s.preview(std::move(req));
        const auto t0 = Clock::now();
        while (Clock::now() - t0 < std::chrono::milliseconds(timeout_ms)) {
            for (const auto& args : done) {
                auto r = args.at(0).value<PreviewResultPtr>();
                if (r->serial == serial) return r;
            }
            done.wait(100);
        }
        return nullptr;
    }

private Q_SLOTS:
    void initTestCase() {
        studio_test::init_test_logging();
        qputenv("PORTRAIT_PLUGIN_PATH", STUDIO_TEST_PLUGIN_DIR);
        registry_ = std::make_shared<SharedRegistry>();
        registry_->load_defaults();
        QVERIFY2(registry_->read([](const PluginRegistry& r) { return r.find("tone") != nullptr; }),
                 "the tone plugin is not built");
        QVERIFY2(registry_->read([](const PluginRegistry& r) { return r.find("studio_slow") != nullptr; }),
                 "the studio test plugin is not built");
        tmp_ = std::make_unique<QTemporaryDir>();
        QVERIFY(tmp_->isValid());
    }

    void featuresTakeTheirRangeFromTheRegistry() {
        PipelineConfig base = load_pipeline(studio_test::pipelines() / "studio.yaml");
        auto b = registry_->read([&](const PluginRegistry& r) { return bind_features(studio_test::test_features(), base, r); });
        QCOMPARE(int(b.size()), 3);
        const auto& warm = binding(b, "warm");
        QVERIFY(warm.available);
        QCOMPARE(warm.stage_id, std::string("warm"));
        QCOMPARE(warm.min, -1.0);  // tone's warmth ParamSpec
        QCOMPARE(warm.max, 1.0);
        QCOMPARE(warm.value, 0.4);  // from the file
        QVERIFY(warm.enabled);
        const auto& bright = binding(b, "bright");
        QVERIFY(bright.available && !bright.enabled);
        QCOMPARE(bright.min, -3.0);
        QCOMPARE(bright.max, 3.0);
        QCOMPARE(binding(b, "slow").max, 600.0);
        // The default feature table on a pipeline without those stages: unavailable, with a reason.
        auto d = registry_->read([&](const PluginRegistry& r) { return bind_features(default_features(), base, r); });
        for (const auto& f : d) {
            QVERIFY(!f.available);
            QVERIFY(!f.unavailable_reason.empty());
        }
    }

    void defaultsAreTheOriginalTools() {
        const auto& f = default_features();
        QCOMPARE(int(f.size()), 3);
        QCOMPARE(f[0].stage_id, std::string("face_slim"));
        QCOMPARE(f[0].param, std::string("strength"));
        QVERIFY(!f[0].default_on);
        QCOMPARE(f[1].stage_id, std::string("skin_retouch"));
        QCOMPARE(f[1].param, std::string("strength"));
        QVERIFY(f[1].default_on);
        QCOMPARE(f[2].stage_id, std::string("gpen"));
        QCOMPARE(f[2].param, std::string("alpha"));
        QVERIFY(!f[2].default_on);
        // The default pipeline file carries the same defaults, whatever plugins are built.
        PipelineConfig def = load_pipeline(studio_test::default_pipeline());
        PluginRegistry empty;
        for (const auto& b : bind_features(f, def, empty)) {
            QVERIFY2(b.stage_index >= 0, b.spec.stage_id.c_str());
            QCOMPARE(b.enabled, b.spec.default_on);
        }
    }

    bool registered(const char* stage) const {
        return registry_->read([&](const PluginRegistry& r) { return r.find(stage) != nullptr; });
    }

    // The default features on `config`, with the real model locator over its model folders.
    std::vector<FeatureBinding> bind_with_models(const PipelineConfig& config) {
        const ModelLocator models(config.model_paths);
        return registry_->read(
            [&](const PluginRegistry& r) { return bind_features(default_features(), config, r, &models); });
    }

    // Issue 17: a feature whose model is not in the search path is unavailable, says in
    // plain words how to get the model (from the catalogue), and its stage stays off.
    void aFeatureWithoutItsModelIsGreyedWithHowToGetIt() {
        if (!registered("gpen")) QSKIP("the gpen plugin is not built (it needs LibTorch)");
        const fs::path cache = tmp("avail-cache"), models = tmp("avail-models");
        studio_test::ScopedEnv c("PORTRAIT_CACHE", cache.c_str()), m("PORTRAIT_MODELS", nullptr);
        PipelineConfig cfg = load_pipeline(studio_test::default_pipeline());
        const int gi = stage_index(cfg, "gpen");

        auto b = bind_with_models(cfg);
        const FeatureBinding enhance = binding(b, "enhance");
        QVERIFY(!enhance.available);
        QCOMPARE(enhance.stage_index, gi);
        QCOMPARE(int(enhance.missing_models.size()), 1);
        QCOMPARE(enhance.missing_models[0].model, std::string("gpen-512"));  // default.yaml: model "512"
        const std::string& why = enhance.unavailable_reason;
        QVERIFY2(has(why, "Portrait enhancement needs the GPEN model, which is not installed."), why.c_str());
        QVERIFY2(has(why, "Download damo/cv_gpen_image-portrait-enhancement from ModelScope on a connected machine"),
                 why.c_str());
        QVERIFY2(!has(why, "-hires"), why.c_str());
        QVERIFY2(has(why, "portrait models convert gpen FOLDER/pytorch_model.pt"), why.c_str());
        QVERIFY2(has(why, "docs/models.md"), why.c_str());
        QVERIFY2(has(why, "gpen-512/model.pt in: " + (cache / "models").string()), why.c_str());
        // The row: greyed, unticked even when chosen on, the how-to as its tooltip.
        FeatureChoices choices = choices_from(b);
        choices["enhance"] = {true, 1.0};
        const FeatureRowState row = feature_row_state(enhance, choices);
        QVERIFY(!row.check_enabled && !row.checked && !row.strength_enabled);
        QCOMPARE(row.tooltip, why);
        // Its stage stays off, even when the file enables it.
        PipelineConfig on = cfg;
        on.stages[std::size_t(gi)].enabled = true;
        QVERIFY(!apply_features(on, bind_with_models(on), choices).stages[std::size_t(gi)].enabled);
        if (registered("skin_retouch")) QVERIFY(binding(b, "retouch").available);  // backend auto needs none

        // The file in the pipeline's model folder: available, and the choice runs it.
        studio_test::touch(models / "gpen-512" / "model.pt");
        cfg.model_paths = {models};
        b = bind_with_models(cfg);
        QVERIFY2(binding(b, "enhance").available, binding(b, "enhance").unavailable_reason.c_str());
        QVERIFY(binding(b, "enhance").missing_models.empty());
        QVERIFY(apply_features(cfg, b, choices).stages[std::size_t(gi)].enabled);
        QVERIFY(feature_row_state(binding(b, "enhance"), choices).strength_enabled);

        // Another network size is another folder, from the hires download.
        PipelineConfig big = cfg;
        set_param(big, "gpen", "model", "1024");
        const FeatureBinding e1024 = binding(bind_with_models(big), "enhance");
        QVERIFY(!e1024.available);
        QCOMPARE(e1024.missing_models.at(0).model, std::string("gpen-1024"));
        QVERIFY2(has(e1024.unavailable_reason, "Download damo/cv_gpen_image-portrait-enhancement-hires from ModelScope"),
                 e1024.unavailable_reason.c_str());
        // The RealESRNet background needs its own model, from the same download as GPEN's.
        PipelineConfig bg = cfg;
        set_param(bg, "gpen", "background", "realesrnet");
        const FeatureBinding ebg = binding(bind_with_models(bg), "enhance");
        QVERIFY2(ebg.missing_models.size() == 1, ebg.unavailable_reason.c_str());  // gpen-512 is there
        QCOMPARE(ebg.missing_models[0].model, std::string("realesrnet-x2"));
        QVERIFY2(has(ebg.unavailable_reason, "needs the RealESRNet background upsampler"), ebg.unavailable_reason.c_str());
        QVERIFY2(has(ebg.unavailable_reason, "portrait models convert realesrnet FOLDER/super_resolution/realesrnet_x2.pth"),
                 ebg.unavailable_reason.c_str());

        // $PORTRAIT_MODELS is searched as the stages search it.
        cfg.model_paths.clear();
        QVERIFY(!binding(bind_with_models(cfg), "enhance").available);
        {
            studio_test::ScopedEnv env("PORTRAIT_MODELS", models.c_str());
            QVERIFY(binding(bind_with_models(cfg), "enhance").available);
        }

        // Skin retouching needs its model only with backend abpn; its three files, named once.
        if (registered("skin_retouch")) {
            PipelineConfig abpn = cfg;
            set_param(abpn, "skin_retouch", "backend", "abpn");
            const FeatureBinding r = binding(bind_with_models(abpn), "retouch");
            QVERIFY(!r.available);
            QCOMPARE(int(r.missing_models.size()), 3);
            const std::string& t = r.unavailable_reason;
            QVERIFY2(has(t, "Skin retouching needs the ABPN skin retouching model, which"), t.c_str());
            QVERIFY2(has(t, "Download iic/cv_unet_skin-retouching from ModelScope"), t.c_str());
            QVERIFY2(has(t, "portrait models convert skin-retouching FOLDER\n"), t.c_str());
            abpn.model_paths = {models};
            for (const char* f : {"generator.pt", "detection_net.pt", "inpainting_net.pt"})
                studio_test::touch(models / "skin-retouching" / f);
            QVERIFY(binding(bind_with_models(abpn), "retouch").available);
        }
    }

    // The window keeps the file as loaded and applies its choices to copies; a copy's
    // YAML nodes are shared with the original, so the slider must not write through.
    void applyingFeaturesLeavesTheFileAsLoaded() {
        const PipelineConfig base = load_pipeline(studio_test::pipelines() / "studio.yaml");
        auto b = registry_->read([&](const PluginRegistry& r) { return bind_features(studio_test::test_features(), base, r); });
        FeatureChoices c = choices_from(b);
        c["warm"].strength = 0.9;
        const PipelineConfig out = apply_features(base, b, c);
        auto warmth = [](const PipelineConfig& p) {
            for (const auto& s : p.stages)
                if (s.id == "warm") return s.params.at("warmth").value.Scalar();
            return std::string();
        };
        QCOMPARE(warmth(out), std::string("0.9"));
        QCOMPARE(warmth(base), std::string("0.4"));  // as studio.yaml has it
    }

    // Issue 17: the strength slider and its labels respond only while their feature is on.
    void featureRowsEnableWhatCanRun() {
        PipelineConfig base = load_pipeline(studio_test::pipelines() / "studio.yaml");
        auto b = registry_->read([&](const PluginRegistry& r) { return bind_features(studio_test::test_features(), base, r); });
        FeatureChoices c = choices_from(b);  // warm on, bright off, as the file says
        const FeatureRowState warm = feature_row_state(binding(b, "warm"), c);
        QVERIFY(warm.check_enabled && warm.checked && warm.strength_enabled);
        QCOMPARE(warm.value, 0.4);
        QVERIFY(has(warm.tooltip, "Stage 'warm', parameter 'warmth' (-1.0 to 1.0)"));
        FeatureRowState bright = feature_row_state(binding(b, "bright"), c);
        QVERIFY(bright.check_enabled && !bright.checked && !bright.strength_enabled);
        c["bright"] = {true, 99.0};
        bright = feature_row_state(binding(b, "bright"), c);
        QVERIFY(bright.checked && bright.strength_enabled);
        QCOMPARE(bright.value, 3.0);  // clamped to tone's exposure range
        c["warm"].enabled = false;
        QVERIFY(!feature_row_state(binding(b, "warm"), c).strength_enabled);
        // Not in this pipeline: greyed, with the reason.
        auto d = registry_->read([&](const PluginRegistry& r) { return bind_features(default_features(), base, r); });
        for (const auto& f : d) {
            const FeatureRowState s = feature_row_state(f, c);
            QVERIFY(!s.check_enabled && !s.checked && !s.strength_enabled);
            QVERIFY2(has(s.tooltip, "Not available: This pipeline has no '"), s.tooltip.c_str());
        }
    }

    void togglingAFeatureChangesThePipelineThatRuns() {
        const fs::path photo = tmp("toggle.png");
        studio_test::write_png(photo, 120, 80);
        ProcessingService s(registry_);
        auto off = preview(s, {photo, test_config(), false});
        QVERIFY(off && off->ok());
        QCOMPARE(off->stages, (std::vector<std::string>{"warm"}));
        auto on = preview(s, {photo, test_config({{"bright", {true, 0.5}}}), false});
        QVERIFY(on && on->ok());
        QCOMPARE(on->stages, (std::vector<std::string>{"warm", "bright"}));
        QVERIFY(studio_test::max_diff(off->after, on->after) > 0);
        // Unticking "warm" takes it out; the slider value goes into the stage's parameter.
        auto none = preview(s, {photo, test_config({{"warm", {false, 0.4}}}), false});
        QVERIFY(none && none->ok());
        QVERIFY(none->stages.empty());
        QCOMPARE(studio_test::max_diff(none->after, none->before), 0.0);
        PipelineConfig c = test_config({{"warm", {true, -0.25}}});
        auto warm = std::find_if(c.stages.begin(), c.stages.end(), [](const StageConfig& st) { return st.id == "warm"; });
        QVERIFY(warm != c.stages.end());
        QCOMPARE(warm->params.at("warmth").value.Scalar(), std::string("-0.25"));
    }

    void savedYamlIsAcceptedByTheCliAndGivesTheSamePixels() {
        const fs::path photo = studio_test::astronaut();
        if (photo.empty()) QSKIP("astronaut.png (python3-skimage) is not installed");
        ProcessingService s(registry_);
        const PipelineConfig cfg = test_config({{"bright", {true, 0.3}}, {"warm", {true, -0.2}}});
        auto r = preview(s, {photo, cfg, false});
        QVERIFY(r && r->ok());
        const fs::path yaml = tmp("saved.yaml");
        save_pipeline_yaml(yaml, cfg);
        // It reads back to the same pipeline.
        PipelineConfig back = load_pipeline(yaml);
        QCOMPARE(back.stages.size(), cfg.stages.size());
        for (std::size_t i = 0; i < cfg.stages.size(); ++i) {
            QCOMPARE(back.stages[i].id, cfg.stages[i].id);
            QCOMPARE(back.stages[i].enabled, cfg.stages[i].enabled);
            for (const auto& [k, v] : cfg.stages[i].params) QCOMPARE(back.stages[i].params.at(k).value.Scalar(), v.value.Scalar());
        }
        // `portrait run -p` takes it unchanged and writes the same pixels.
        const fs::path out = tmp("cli-out");
        std::string log;
        const int rc = studio_test::run_cli({"run", "-p", yaml.string(), photo.string(), "-o", out.string(),
                                             "--progress", "never"}, &log);
        QVERIFY2(rc == 0, log.c_str());
        const cv::Mat cli = read_image(out / "astronaut.png");
        QCOMPARE(studio_test::max_diff(cli, r->after), 0.0);
    }

    void defaultPipelineGivesTheSamePixelsAsTheCli() {
        const fs::path photo = studio_test::astronaut();
        if (photo.empty()) QSKIP("astronaut.png (python3-skimage) is not installed");
        PipelineConfig base = load_pipeline(studio_test::default_pipeline());
        std::string missing;
        registry_->read([&](const PluginRegistry& r) {
            for (const auto& st : base.stages)
                if (st.enabled && !r.find(st.stage)) missing += (missing.empty() ? "" : ", ") + st.stage;
            return 0;
        });
        if (!missing.empty())
            QSKIP(("default pipeline: the plugin of enabled stage(s) " + missing + " is not built in this build folder")
                      .c_str());
        auto bindings = registry_->read([&](const PluginRegistry& r) { return bind_features(default_features(), base, r); });
        FeatureChoices c = choices_from(bindings);
        std::vector<std::string> dropped;
        const PipelineConfig cfg =
            registry_->read([&](const PluginRegistry& r) { return runnable_config(apply_features(base, bindings, c), r, &dropped); });
        ProcessingService s(registry_);
        auto r = preview(s, {photo, cfg, true}, 300000);
        QVERIFY(r);
        if (r->error && r->error->title.find("could not start") != std::string::npos)
            QSKIP(("default pipeline: a stage cannot start here (models not fetched?): " + r->error->detail).c_str());
        QVERIFY2(r->ok(), r->error ? r->error->text().c_str() : "cancelled");
        QVERIFY(r->faces.available);
        QVERIFY2(!r->faces.faces.empty(), "the face stage found no face on astronaut.png");
        QCOMPARE(int(r->faces.faces[0].landmarks.size()), 468);
        const fs::path yaml = tmp("default-saved.yaml");
        save_pipeline_yaml(yaml, cfg, dropped);
        const fs::path out = tmp("default-out");
        std::string log;
        const int rc = studio_test::run_cli({"run", "-p", yaml.string(), photo.string(), "-o", out.string(),
                                             "--progress", "never"}, &log);
        QVERIFY2(rc == 0, log.c_str());
        QCOMPARE(studio_test::max_diff(read_image(out / "astronaut.png"), r->after), 0.0);
    }

    void cancelStopsWork() {
        const fs::path photo = tmp("slow.png");
        studio_test::write_png(photo);
        ProcessingService s(registry_);
        QSignalSpy busy(&s, &ProcessingService::busyChanged);
        QSignalSpy done(&s, &ProcessingService::previewDone);
        s.preview({photo, test_config({{"slow", {true, 30.0}}}), false});
        QTest::qWait(400);  // inside the 30 s stage by now
        QVERIFY(s.busy());
        const auto t0 = Clock::now();
        s.cancel();
        QVERIFY(done.wait(5000));
        const double s_to_stop = std::chrono::duration<double>(Clock::now() - t0).count();
        auto r = done.takeFirst().at(0).value<PreviewResultPtr>();
        QVERIFY(r->cancelled);
        QVERIFY(!r->error);
        qInfo("cancel to job ended: %.3f s", s_to_stop);
        QVERIFY2(s_to_stop < 2.0, "the slow stage kept running after cancel");
        QVERIFY(!s.busy());  // the job's thread has ended
        QVERIFY(!cancel_requested());  // the process-wide flag is not how the studio cancels
        // The next job runs normally.
        auto next = preview(s, {photo, test_config(), false});
        QVERIFY(next && next->ok());
    }

    void aNewerPreviewReplacesARunningOne() {
        const fs::path photo = tmp("replace.png");
        studio_test::write_png(photo);
        ProcessingService s(registry_);
        QSignalSpy done(&s, &ProcessingService::previewDone);
        const auto t0 = Clock::now();
        const auto first = s.preview({photo, test_config({{"slow", {true, 30.0}}}), false});
        QTest::qWait(300);
        const auto second = s.preview({photo, test_config(), false});
        QVERIFY(QTest::qWaitFor([&] { return done.count() >= 2; }, 10000));
        auto a = done.at(0).at(0).value<PreviewResultPtr>();
        auto b = done.at(1).at(0).value<PreviewResultPtr>();
        QCOMPARE(a->serial, first);
        QVERIFY(a->cancelled);
        QCOMPARE(b->serial, second);
        QVERIFY(b->ok());
        QVERIFY(std::chrono::duration<double>(Clock::now() - t0).count() < 10.0);
    }

    void anUnreadableFileIsAPlainError() {
        const fs::path bad = tmp("not-a-photo.jpg");
        std::ofstream(bad) << "this is not a JPEG";
        ProcessingService s(registry_);
        auto r = preview(s, {bad, test_config(), false});
        QVERIFY(r);
        QVERIFY(r->error);
        QVERIFY(r->before.empty());
        QVERIFY(r->error->title.find("could not be opened as a photo") != std::string::npos);
        QVERIFY(r->error->detail.find("not-a-photo.jpg") != std::string::npos);
        QVERIFY(!r->error->hint.empty());
        // A missing file too.
        auto m = preview(s, {tmp("gone.png"), test_config(), false});
        QVERIFY(m && m->error);
        // And the service goes on.
        const fs::path good = tmp("good.png");
        studio_test::write_png(good);
        auto g = preview(s, {good, test_config(), false});
        QVERIFY(g && g->ok());
    }

    void aMissingModelIsAPlainError() {
        const fs::path photo = tmp("model.png");
        studio_test::write_png(photo);
        ProcessingService s(registry_);
        auto r = preview(s, {photo, load_pipeline(studio_test::pipelines() / "needs_model.yaml"), false});
        QVERIFY(r && r->error);
        QVERIFY2(r->error->title.find("could not start") != std::string::npos, r->error->text().c_str());
        QVERIFY(r->error->detail.find("studio-test-missing") != std::string::npos);
        QVERIFY(r->error->hint.find("model") != std::string::npos);
        QVERIFY(!r->before.empty());  // the photo itself was read
    }

    void aBrokenPipelineIsAPlainError() {
        const fs::path photo = tmp("broken.png");
        studio_test::write_png(photo);
        ProcessingService s(registry_);
        auto r = preview(s, {photo, load_pipeline(studio_test::pipelines() / "broken.yaml"), false});
        QVERIFY(r && r->error);
        QVERIFY(r->error->title.find("cannot be used") != std::string::npos);
        QVERIFY(r->error->detail.find("no_such_stage") != std::string::npos);
    }

    void faceOverlayComesFromTheFaceStage() {
        const fs::path photo = tmp("faces.png");
        studio_test::write_png(photo, 600, 300);
        ProcessingService s(registry_);
        auto r = preview(s, {photo, load_pipeline(studio_test::pipelines() / "faces.yaml"), true});
        QVERIFY(r && r->ok());
        QVERIFY(r->faces.available);
        QCOMPARE(int(r->faces.faces.size()), 1);
        // Found at working size (max_size 256), returned in the photo's own pixels.
        const auto box = r->faces.faces[0].box;
        QVERIFY(std::abs(box.x - 200) < 3 && std::abs(box.width - 200) < 3);
        QVERIFY(std::abs(box.y - 100) < 3 && std::abs(box.height - 100) < 3);
        // A pipeline without a face stage says so.
        auto t = preview(s, {photo, test_config(), true});
        QVERIFY(t && t->ok());
        QVERIFY(!t->faces.available);
        QVERIFY(!t->faces.note.empty());
    }

    void applyToFolderRunsTheBatchRunner() {
        const fs::path in = tmp("folder-in"), out = tmp("folder-out");
        fs::create_directories(in / "sub");
        studio_test::write_png(in / "a.png", 64, 48, 1);
        studio_test::write_png(in / "b.png", 64, 48, 2);
        studio_test::write_png(in / "sub" / "c.png", 64, 48, 3);
        std::ofstream(in / "broken.jpg") << "not an image";
        ProcessingService s(registry_);
        QSignalSpy started(&s, &ProcessingService::batchStarted);
        QSignalSpy progress(&s, &ProcessingService::batchProgress);
        QSignalSpy done(&s, &ProcessingService::batchDone);
        QVERIFY(s.apply_to_folder({in, out, test_config(), "", 95}));
        QVERIFY(done.wait(60000));
        auto r = done.takeFirst().at(0).value<FolderResultPtr>();
        QVERIFY(!r->error);
        QCOMPARE(r->summary.ok, 3);
        QCOMPARE(r->summary.failed, 1);
        QCOMPARE(started.count(), 1);
        QCOMPARE(started.at(0).at(0).toInt(), 4);
        // One event per image as it ends, the broken one included, from the batch's observer.
        QCOMPARE(progress.count(), 4);
        for (int i = 0; i < 4; ++i) {
            QCOMPARE(progress.at(i).at(0).toInt(), i + 1);
            QCOMPARE(progress.at(i).at(1).toInt(), 4);
        }
        QVERIFY(fs::exists(out / "a.png") && fs::exists(out / "sub" / "c.png"));
        QVERIFY(fs::exists(in / "a.png"));  // inputs untouched
    }

    void cancelStopsABatch() {
        const fs::path in = tmp("slow-in"), out = tmp("slow-out");
        fs::create_directories(in);
        for (int i = 0; i < 4; ++i) studio_test::write_png(in / ("p" + std::to_string(i) + ".png"), 32, 32, i);
        ProcessingService s(registry_);
        QSignalSpy done(&s, &ProcessingService::batchDone);
        QVERIFY(s.apply_to_folder({in, out, test_config({{"slow", {true, 30.0}}}), "", 95}));
        QTest::qWait(500);
        const auto t0 = Clock::now();
        s.cancel();
        QVERIFY(done.wait(10000));
        QVERIFY(std::chrono::duration<double>(Clock::now() - t0).count() < 5.0);
        auto r = done.takeFirst().at(0).value<FolderResultPtr>();
        QVERIFY(r->cancelled);
        QCOMPARE(r->summary.ok, 0);
        QCOMPARE(r->summary.cancelled, 4);
        QVERIFY(!cancel_requested());
    }

    void resultIsNeverSavedOverTheInput() {
        const fs::path photo = tmp("keep.png");
        studio_test::write_png(photo);
        const cv::Mat img = read_image(photo);
        QVERIFY_THROWS_EXCEPTION(ImageError, save_result(photo, photo, img, {}));
        QVERIFY_THROWS_EXCEPTION(ImageError, save_result(tmp("./keep.png"), photo, img, {}));
        QCOMPARE(default_result_name(photo), tmp("keep-portrait.png"));
        cv::Mat changed = img + cv::Scalar(10, 10, 10);
        save_result(default_result_name(photo), photo, changed, {});
        QCOMPARE(studio_test::max_diff(read_image(default_result_name(photo)), changed), 0.0);
        QCOMPARE(studio_test::max_diff(read_image(photo), img), 0.0);
        // No temp files left beside it.
        for (const auto& e : fs::directory_iterator(tmp("")))
            QVERIFY2(e.path().filename().string().find("portrait-tmp") == std::string::npos, e.path().c_str());
    }

    void bundledPipelinesAreNotOverwritten() {
        const auto bundled = bundled_pipelines();
        QVERIFY(!bundled.empty());
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, save_pipeline_yaml(bundled.front().parent_path() / "x.yaml", test_config()));
        QVERIFY(!fs::exists(bundled.front().parent_path() / "x.yaml"));
    }

    void settingsRoundTrip() {
        const QString file = QString::fromStdString(tmp("settings/studio.ini").string());
        SettingsStore store(file);
        StudioState st = store.load();
        QVERIFY(st.pipeline.empty());
        QCOMPARE(st.view_mode, QString("side"));
        st.pipeline = "/some/pipeline.yaml";
        st.features["retouch"] = {true, 0.35};
        st.features["slim"] = {false, 0.8};
        st.last_folder = "/photos";
        st.view_mode = "split";
        st.overlay = true;
        st.split = 0.3;
        store.save(st);
        const StudioState back = SettingsStore(file).load();
        QCOMPARE(back.pipeline, st.pipeline);
        QCOMPARE(back.last_folder, st.last_folder);
        QCOMPARE(back.view_mode, QString("split"));
        QVERIFY(back.overlay);
        QCOMPARE(back.split, 0.3);
        QCOMPARE(back.features.size(), std::size_t(2));
        QVERIFY(back.features.at("retouch").enabled);
        QCOMPARE(back.features.at("retouch").strength, 0.35);
        QVERIFY(!back.features.at("slim").enabled);
    }

    void imageListStepsThroughAFolder() {
        const fs::path dir = tmp("list");
        fs::create_directories(dir);
        studio_test::write_png(dir / "b.png");
        studio_test::write_png(dir / "a.png");
        std::ofstream(dir / "notes.txt") << "x";
        std::ofstream(dir / ".a.png.portrait-tmp-1-2.png") << "x";
        ImageList list;
        QVERIFY(list.open(dir));
        QCOMPARE(list.size(), 2);
        QCOMPARE(list.current().filename().string(), std::string("a.png"));
        QVERIFY(list.next());
        QVERIFY(!list.next());
        QVERIFY(list.open(dir / "b.png"));
        QCOMPARE(list.index(), 1);
        QVERIFY(list.previous());
        QCOMPARE(list.current().filename().string(), std::string("a.png"));
        QVERIFY(!list.open(dir / "missing.png"));
    }
};

QTEST_GUILESS_MAIN(StudioLogicTest)
#include "test_studio_logic.moc"
