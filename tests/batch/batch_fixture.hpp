// The fixture every batch CLI test uses: a temp folder with in/, out/, a private cache.
#pragma once

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "batch_test_util.hpp"

class BatchCli : public ::testing::Test {
protected:
    bt::TempDir tmp;
    bt::fs::path in() const { return tmp / "in"; }
    bt::fs::path out() const { return tmp / "out"; }
    bt::fs::path cache() const { return tmp / "cache"; }
    bt::fs::path report_file() const { return tmp / "report.json"; }

    void SetUp() override { bt::fs::create_directories(in()); }

    // portrait run ARGS -p PIPELINE --progress never --report report.json
    bt::Result run(std::vector<std::string> args, const std::string& pipeline = bt::tone_pipeline(),
                   const std::string& prefix = "", const std::string& wrapper = "",
                   const std::string& stdin_text = "") {
        std::vector<std::string> all{"run"};
        all.insert(all.end(), args.begin(), args.end());
        for (const char* a : {"-p"}) all.push_back(a);
        all.push_back(pipeline);
        all.insert(all.end(), {"--progress", "never", "--report", report_file().string()});
        return bt::run_portrait(all, cache(), prefix, wrapper, stdin_text);
    }
    // Runs on the whole in/ folder into out/.
    bt::Result run_all(std::vector<std::string> extra = {}, const std::string& pipeline = bt::tone_pipeline()) {
        std::vector<std::string> args{in().string(), "-o", out().string()};
        args.insert(args.end(), extra.begin(), extra.end());
        return run(args, pipeline);
    }
    nlohmann::json report() const { return bt::read_json(report_file()); }
    // The report item whose input ends with `name`.
    nlohmann::json item(const std::string& name) const {
        const nlohmann::json rep = report();  // keep it alive through the loop
        for (const auto& it : rep["items"]) {
            const std::string s = it["input"];
            if (s.size() >= name.size() && s.compare(s.size() - name.size(), name.size(), name) == 0) return it;
        }
        ADD_FAILURE() << "no report item for " << name;
        return {};
    }
    void put(const std::string& rel, const std::vector<unsigned char>& bytes) const { bt::write_bytes(in() / rel, bytes); }
    void put_image(const std::string& rel, const cv::Mat& img) const {
        bt::write_bytes(in() / rel, bt::encode(bt::fs::path(rel).extension().string(), img));
    }
    cv::Mat read_out(const std::string& rel, int flags = cv::IMREAD_UNCHANGED) const {
        return cv::imread((out() / rel).string(), flags);
    }
};
