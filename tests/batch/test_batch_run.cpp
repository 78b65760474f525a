// `portrait run` as a batch tool: resume after kill -9, Ctrl-C, determinism, shards,
// reports, progress, formats, lists and globs, -o on the input folder.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <csignal>
#include <set>
#include <thread>

#include <opencv2/imgproc.hpp>

#include "batch_fixture.hpp"

namespace {

using bt::fs::path;

int count_outputs(const path& dir, const std::string& ext) {
    int n = 0;
    std::error_code ec;
    for (auto it = bt::fs::recursive_directory_iterator(dir, ec); !ec && it != bt::fs::recursive_directory_iterator();
         it.increment(ec))
        if (it->path().extension() == ext && it->path().filename().string()[0] != '.') ++n;
    return n;
}

class BatchRun : public BatchCli {
protected:
    void make_photos(int n, const std::string& ext = ".jpg", int w = 96, int h = 64) {
        for (int i = 0; i < n; ++i) {
            char name[32];
            std::snprintf(name, sizeof name, "p%03d%s", i, ext.c_str());
            put_image(name, bt::photo(w, h, i + 1));
        }
    }
    std::vector<std::string> sleep_args(int workers) {
        return {"run", in().string(), "-o", out().string(), "-p", bt::test_pipeline("sleep"), "--workers",
                std::to_string(workers), "--threads", "2", "--progress", "never", "--report", report_file().string()};
    }
    // Waits until at least n outputs exist (or the timeout passes).
    bool wait_outputs(int n, double timeout_s = 30) {
        const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
        while (std::chrono::steady_clock::now() < end) {
            if (count_outputs(out(), ".jpg") >= n) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    }
};

TEST_F(BatchRun, KillMinus9ThenResumeFinishesAndEveryOutputDecodes) {
    make_photos(16);
    const pid_t pid = bt::spawn_portrait(sleep_args(2), cache(), tmp / "first.log");
    ASSERT_TRUE(wait_outputs(3));
    kill(pid, SIGKILL);
    EXPECT_EQ(bt::wait_child(pid), 128 + SIGKILL);
    const int before = count_outputs(out(), ".jpg");
    ASSERT_LT(before, 16) << "killed mid-batch";
    for (const auto& e : bt::fs::directory_iterator(out())) {
        if (e.path().extension() == ".jpg" && e.path().filename().string()[0] != '.') {
            EXPECT_FALSE(cv::imread(e.path().string()).empty()) << e.path() << " must decode";
        }
    }

    const auto r = run({in().string(), "-o", out().string(), "--resume", "--workers", "2"}, bt::test_pipeline("sleep"));
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(count_outputs(out(), ".jpg"), 16);
    EXPECT_GE(report()["totals"]["skipped"].get<int>(), before - 1) << "the outputs written before the kill are kept";
    EXPECT_EQ(report()["totals"]["ok"].get<int>() + report()["totals"]["skipped"].get<int>(), 16);
    EXPECT_TRUE(bt::temp_files_under(out()).empty()) << "stale temp files are swept";
    for (int i = 0; i < 16; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "p%03d.jpg", i);
        EXPECT_FALSE(read_out(name).empty()) << name;
    }
}

TEST_F(BatchRun, ResumeRedoesChangedInputsAndChangedParameters) {
    make_photos(3);
    ASSERT_EQ(run_all().code, 0);
    auto r = run_all({"--resume"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(report()["totals"]["skipped"], 3);
    put_image("p001.jpg", bt::photo(96, 64, 77));  // new bytes
    r = run_all({"--resume"});
    EXPECT_EQ(report()["totals"]["skipped"], 2);
    EXPECT_EQ(report()["totals"]["ok"], 1);
    r = run_all({"--resume", "--set", "tone.exposure=0.5"});  // another pipeline
    EXPECT_EQ(report()["totals"]["ok"], 3);
    r = run_all({"--resume", "--set", "tone.exposure=0.5", "--quality", "80"});  // other encoder settings
    EXPECT_EQ(report()["totals"]["ok"], 3);
    bt::fs::remove(out() / "p002.jpg");  // output gone
    r = run_all({"--resume", "--set", "tone.exposure=0.5", "--quality", "80"});
    EXPECT_EQ(report()["totals"]["ok"], 1);
    EXPECT_EQ(report()["totals"]["skipped"], 2);
}

TEST_F(BatchRun, SigintStopsCleanlyAndWritesTheReport) {
    make_photos(30);
    const pid_t pid = bt::spawn_portrait(sleep_args(1), cache(), tmp / "run.log");
    ASSERT_TRUE(wait_outputs(2));
    kill(pid, SIGINT);
    EXPECT_EQ(bt::wait_child(pid), 130);
    const auto rep = report();
    EXPECT_TRUE(rep["interrupted"].get<bool>());
    EXPECT_EQ(rep["items"].size(), 30u) << "every input listed, the unstarted ones as cancelled";
    EXPECT_GT(rep["totals"]["cancelled"].get<int>(), 0);
    EXPECT_EQ(rep["totals"]["failed"], 0);
    int ok = 0;
    for (const auto& it : rep["items"])
        if (it["status"] == "ok") {
            ++ok;
            EXPECT_FALSE(cv::imread(it["output"].get<std::string>()).empty());
        }
    EXPECT_EQ(ok, count_outputs(out(), ".jpg"));
    EXPECT_TRUE(bt::temp_files_under(out()).empty());
    // And the rest can be finished with --resume.
    const auto r = run({in().string(), "-o", out().string(), "--resume"}, bt::test_pipeline("sleep"));
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(count_outputs(out(), ".jpg"), 30);
}

TEST_F(BatchRun, DeterministicOutputsAndReport) {
    make_photos(4);
    put_image("g.png", bt::with_faces(bt::photo(200, 150), 3));
    // Two workers into o1, one worker into o2: same bytes, same report apart from timings.
    auto r = run({in().string(), "-o", (tmp / "o1").string(), "--workers", "2"}, bt::test_pipeline("faces"));
    ASSERT_EQ(r.code, 0) << r.err;
    auto rep1 = bt::without_timings(report());
    r = run({in().string(), "-o", (tmp / "o2").string(), "--workers", "1"}, bt::test_pipeline("faces"));
    ASSERT_EQ(r.code, 0) << r.err;
    auto rep2 = bt::without_timings(report());
    for (const char* f : {"p000.jpg", "p003.jpg", "g.png"})
        EXPECT_EQ(bt::read_bytes(tmp / "o1" / f), bt::read_bytes(tmp / "o2" / f)) << f << " bit-identical";
    for (auto* rep : {&rep1, &rep2})  // the output folder is the one intended difference
        for (auto& it : (*rep)["items"]) it.erase("output");
    EXPECT_EQ(rep1, rep2);
}

TEST_F(BatchRun, ShardsSplitWithoutOverlapAndMerge) {
    make_photos(12);
    std::multiset<std::string> done;
    for (int i = 0; i < 3; ++i) {
        const auto r = run_all({"--shard", std::to_string(i) + "/3"});
        ASSERT_EQ(r.code, 0) << r.err;
        const auto rep = report();
        for (const auto& it : rep["items"]) done.insert(it["output"].get<std::string>());
    }
    EXPECT_EQ(done.size(), 12u);
    EXPECT_EQ(std::set<std::string>(done.begin(), done.end()).size(), 12u) << "no image in two shards";
    EXPECT_EQ(count_outputs(out(), ".jpg"), 12);
    EXPECT_TRUE(bt::fs::exists(out() / ".portrait" / "manifest-shard-0-of-3.jsonl"));
    // A resume of the whole batch sees every shard's manifest.
    EXPECT_EQ(run_all({"--resume"}).code, 0);
    EXPECT_EQ(report()["totals"]["skipped"], 12);
    EXPECT_EQ(run_all({"--shard", "3/3"}).code, 2);
}

TEST_F(BatchRun, HtmlReportWithThumbnails) {
    make_photos(2);
    put("broken.jpg", {0xFF, 0xD8, 0xFF});
    const auto r = run_all({"--report", (tmp / "page.html").string()});
    EXPECT_EQ(r.code, 1);
    const auto html = bt::read_bytes(tmp / "page.html");
    const std::string s(html.begin(), html.end());
    EXPECT_NE(s.find("src=\"page-thumbs/000001-before.jpg\""), std::string::npos);
    EXPECT_NE(s.find("loading=\"lazy\""), std::string::npos);
    EXPECT_NE(s.find("page-thumbs/000002-after.jpg"), std::string::npos);
    EXPECT_EQ(s.find("page-thumbs/000000-"), std::string::npos) << "broken.jpg (first) has no thumbnails";
    EXPECT_NE(s.find("broken.jpg"), std::string::npos);
    EXPECT_FALSE(cv::imread((tmp / "page-thumbs" / "000001-after.jpg").string()).empty());
    EXPECT_TRUE(bt::fs::exists(report_file())) << "JSON and HTML together";
}

TEST_F(BatchRun, JsonReportFields) {
    put_image("g.png", bt::with_faces(bt::photo(200, 150), 2));
    ASSERT_EQ(run_all({}, bt::test_pipeline("faces")).code, 0);
    const auto it = item("g.png");
    for (const char* k : {"input", "output", "status", "error", "faces", "stages", "ms", "memory", "warnings"})
        EXPECT_TRUE(it.contains(k)) << k;
    EXPECT_EQ(it["faces"], 2);
    EXPECT_GT(it["memory"]["peak_rss_bytes"].get<double>(), 0);
    EXPECT_GT(it["memory"]["estimate_bytes"].get<double>(), 0);
    EXPECT_EQ(it["stages"][0]["id"], "test_faces");
    EXPECT_TRUE(it["stages"][0].contains("ms"));
    EXPECT_EQ(report()["schema_version"], 2);
    EXPECT_EQ(report()["pipeline"]["stages"].size(), 2u);
}

TEST_F(BatchRun, OutputIntoTheInputFolderNeverReplacesAnInput) {
    make_photos(2);
    const auto original = bt::read_bytes(in() / "p000.jpg");
    auto r = run({in().string(), "-o", in().string()});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(bt::read_bytes(in() / "p000.jpg"), original);
    EXPECT_FALSE(cv::imread((in() / "p000-portrait.jpg").string()).empty());
    // A second run does not take the first run's outputs as inputs.
    r = run({in().string(), "-o", in().string()});
    EXPECT_EQ(report()["items"].size(), 2u);
    EXPECT_FALSE(bt::fs::exists(in() / "p000-portrait-portrait.jpg"));
}

TEST_F(BatchRun, FormatAndQuality) {
    make_photos(1, ".png", 200, 150);
    auto r = run_all({"--format", "jpg", "--quality", "30"});
    EXPECT_EQ(r.code, 0) << r.err;
    const auto low = bt::fs::file_size(out() / "p000.jpg");
    r = run_all({"--format", "jpg"});  // default quality 95
    const auto high = bt::fs::file_size(out() / "p000.jpg");
    EXPECT_LT(low, high);
    r = run_all({"--format", "webp"});
    EXPECT_FALSE(read_out("p000.webp").empty());
    EXPECT_EQ(run_all({"--format", "gif"}).code, 2);
    EXPECT_EQ(run_all({"--quality", "0"}).code, 2);
}

TEST_F(BatchRun, FromListAndStdinAndGlobs) {
    make_photos(4);
    put_image("sub/q.png", bt::photo(40, 30));
    // CRLF and blank lines are taken; a missing entry is test_batch_outputs' (exit 2).
    const std::string list = (in() / "p000.jpg").string() + "\r\n\n" + (in() / "p001.jpg").string() + "\n";
    bt::write_bytes(tmp / "list.txt", std::vector<unsigned char>(list.begin(), list.end()));
    auto r = run({"--from-list", (tmp / "list.txt").string(), "-o", out().string()});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(report()["totals"]["ok"], 2);

    r = run({"--from-list", "-", "-o", (tmp / "o2").string()}, bt::tone_pipeline(), "", "",
            (in() / "p002.jpg").string() + "\n");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(bt::fs::exists(tmp / "o2" / "p002.jpg"));

    r = run({(in() / "p00[23].jpg").string(), (in() / "*" / "*.png").string(), "-o", (tmp / "o3").string()});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(report()["items"].size(), 3u);
    EXPECT_TRUE(bt::fs::exists(tmp / "o3" / "sub" / "q.png"));
    EXPECT_EQ(run({(in() / "*.gif").string(), "-o", out().string()}).code, 2);
    EXPECT_EQ(run({(in() / "nothere.jpg").string(), "-o", out().string()}).code, 2);
}

TEST_F(BatchRun, PlainProgressLinesWhenNotATerminal) {
    make_photos(3);
    auto r = bt::run_portrait({"run", in().string(), "-o", out().string(), "-p", bt::tone_pipeline(),
                               "--progress-interval", "0"},
                              cache());
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.err.find("3/3 (100%)"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("img/s"), std::string::npos);
    EXPECT_EQ(r.err.find('\r'), std::string::npos) << "no carriage returns in logs";
    EXPECT_TRUE(r.out.empty()) << "progress goes to stderr";
    r = bt::run_portrait({"run", in().string(), "-o", out().string(), "-p", bt::tone_pipeline(), "--progress",
                          "always"},
                         cache());
    EXPECT_NE(r.err.find('\r'), std::string::npos) << "the bar redraws in place";
    r = bt::run_portrait({"run", in().string(), "-o", out().string(), "-p", bt::tone_pipeline(), "--progress",
                          "never"},
                         cache());
    EXPECT_EQ(r.err.find("img/s"), std::string::npos);
}

TEST_F(BatchRun, ManyWorkersUnderAMemoryLimit) {
    make_photos(6, ".jpg", 400, 300);
    const auto r = run_all({"--workers", "3", "--threads", "3", "--memory-limit", "600MiB"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(report()["run"]["workers"], 3);
    EXPECT_EQ(report()["run"]["threads_per_image"], 1);
    EXPECT_GT(report()["run"]["memory_budget_bytes"].get<double>(), 0);
    EXPECT_EQ(count_outputs(out(), ".jpg"), 6);
}

// resources.threads is the whole budget: images in flight x each image's intra-op threads
// (OpenCV's and LibTorch's pools, which the host sets together) never exceed it, and TBB,
// OpenCV's backend, is capped at it too. Read from inside a real stage plugin.
TEST_F(BatchRun, ThreadsNeverExceedTheBudget) {
    make_photos(8);
    struct Case {
        int threads, workers;  // workers 0: the default
        int want_in_flight, want_per_image;
    };
    // Workers above the budget are cut to it (threads 1, workers 3: one image at a time).
    for (const Case c : {Case{2, 2, 2, 1}, Case{2, 1, 1, 2}, Case{3, 0, 3, 1}, Case{4, 2, 2, 2}, Case{1, 3, 1, 1}}) {
        const path log = tmp / ("threads-" + std::to_string(c.threads) + "-" + std::to_string(c.workers) + ".log");
        std::vector<std::string> extra{"--set", "test_threads.log=" + log.string(), "--threads", std::to_string(c.threads)};
        if (c.workers > 0) extra.insert(extra.end(), {"--workers", std::to_string(c.workers)});
        bt::fs::remove_all(out());
        const auto r = run_all(extra, bt::test_pipeline("threads"));
        ASSERT_EQ(r.code, 0) << r.err;
        std::ifstream f(log);
        int lines = 0, most_in_flight = 0;
        int in_flight = 0, cv_threads = 0, ctx_threads = 0;
        std::size_t tbb_cap = 0;
        while (f >> in_flight >> cv_threads >> tbb_cap >> ctx_threads) {
            ++lines;
            most_in_flight = std::max(most_in_flight, in_flight);
            const std::string where = "threads " + std::to_string(c.threads) + ", workers " + std::to_string(c.workers);
            EXPECT_EQ(cv_threads, c.want_per_image) << where;
            EXPECT_EQ(ctx_threads, c.want_per_image) << where;
            EXPECT_LE(in_flight * cv_threads, c.threads) << where;
            EXPECT_LE(tbb_cap, std::size_t(c.threads)) << where;
        }
        EXPECT_EQ(lines, 8);
        // 8 images of 80 ms each: the workers overlap, and never more than asked for.
        EXPECT_EQ(most_in_flight, c.want_in_flight) << "threads " << c.threads << ", workers " << c.workers;
    }
}

// The default pipeline's face stages lend each image in flight its own networks: two workers
// must give exactly what one gives. Needs the face models (models/fetch.sh --convert
// blazeface facemesh) and astronaut.png (python3-skimage).
TEST_F(BatchRun, DefaultPipelineTwoWorkersMatchOne) {
    const char* home = std::getenv("HOME");
    const char* cache_env = std::getenv("PORTRAIT_CACHE");
    const path user_models = (cache_env && *cache_env ? path(cache_env) : path(home ? home : ".") / ".cache/portrait") / "models";
    const cv::Mat face = cv::imread("/usr/lib/python3/dist-packages/skimage/data/astronaut.png", cv::IMREAD_COLOR);
    if (face.empty()) GTEST_SKIP() << "astronaut.png not found (apt-get install python3-skimage)";
    if (!bt::fs::exists(user_models / "facemesh" / "facemesh.onnx") ||
        !bt::fs::exists(user_models / "blazeface" / "face_detection_back_256x256_barracuda.onnx"))
        GTEST_SKIP() << "face models not in " << user_models << " (models/fetch.sh --convert blazeface facemesh)";
    bt::fs::create_directories(cache());
    bt::fs::create_directory_symlink(user_models, cache() / "models");
    for (int i = 0; i < 4; ++i) {
        cv::Mat img;
        cv::resize(face, img, {}, 1.0 + 0.25 * i, 1.0 + 0.25 * i, cv::INTER_CUBIC);  // four different images
        put_image("face" + std::to_string(i) + ".png", img);
    }
    const std::string pipeline = std::string(BATCH_DEFAULT_PIPELINE);
    std::vector<std::vector<unsigned char>> first;
    for (const char* workers : {"1", "2"}) {
        bt::fs::remove_all(out());
        const auto r = run_all({"--workers", workers, "--threads", "2"}, pipeline);
        ASSERT_EQ(r.code, 0) << r.err;
        for (int i = 0; i < 4; ++i) {
            EXPECT_EQ(item("face" + std::to_string(i) + ".png")["stages"][0]["faces"], 1) << workers << " worker(s)";
            const auto bytes = bt::read_bytes(out() / ("face" + std::to_string(i) + ".png"));
            if (first.size() < 4) first.push_back(bytes);
            else EXPECT_TRUE(bytes == first[std::size_t(i)]) << "face" << i << ".png differs with 2 workers";
        }
    }
}

}  // namespace
