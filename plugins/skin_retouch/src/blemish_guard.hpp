// Which dark spots are blemishes. A spot finder (the builtin black-hat, ABPN's detection
// net) reacts to every small thing that differs from the skin around it; jewellery,
// piercings, highlights and freckles are such things too, and filling them from the
// surrounding skin damages the photo (a face jewel whose dark rim is filled becomes a white
// speck). Each candidate is compared with a ring of skin around it and removed only if it
// is a blemish: its colour the ring's hue (redder or browner at most), no bright core, away
// from eyes, brows, lips and nostrils, and not a freckle the user keeps.
// docs/stages/skin_retouch.md, "Which spots are removed".
#pragma once

#include <opencv2/core.hpp>

namespace portrait::skin {

struct GuardOptions {
    float face_width = 0;        // ear to ear, in pixels of the image passed in
    bool keep_freckles = false;  // leave small faint brown spots (GuardLimits::freckle_*) alone
    // Components wider or taller than this share of the face width are not judged and stay
    // candidates (ABPN marks whole acne patches; those are its business). 0 = judge all.
    float max_judged = 0;
};

// The rules' constants.
struct GuardLimits {
    // Chromaticity (B, G, R) / (B + G + R) of the spot minus the ring's: a blemish is not
    // bluer, not greener (gold and yellow are greener than skin in this space), not less red
    // (grey, black, metal), and its colour does not move far overall (a ruby is redder than
    // any pimple).
    static constexpr float max_bluer = 0.02f, max_greener = 0.02f, max_less_red = 0.02f, max_shift = 0.25f;
    // A core brighter than the ring by this many grey levels (or 3 ring deviations) is a
    // highlight, a gem or metal, never a blemish.
    static constexpr float bright_levels = 12.f;
    // keep_freckles: a spot no wider than this share of the face width, darker than its ring
    // by at most this share of the ring's grey level (15 %: 32 levels on light skin, 12 on
    // dark), and no redder than this (pimples are red) is a freckle.
    static constexpr float freckle_size = 0.035f, freckle_depth = 0.15f, freckle_max_redder = 0.03f;
    // The ring of reference skin: from 1 px outside the spot's disc, as wide as the disc's
    // radius (at least 2 px); fewer usable pixels than this and the spot is left.
    static constexpr int min_ring_pixels = 6;
};

struct GuardStats {
    int blemishes = 0;     // removed
    int bright = 0;        // left: bright core (gem, metal, highlight)
    int not_skin = 0;      // left: colour unlike a blemish on this skin (jewel, piercing, paint)
    int freckles = 0;      // left: freckle, keep_freckles on
    int features = 0;      // left: touches the eyes, brows, lips or nostrils
    int no_reference = 0;  // left: too little skin around it to judge
    int unjudged = 0;      // larger than max_judged: passed on as they are
    int kept() const { return bright + not_skin + freckles + features + no_reference; }
};

struct GuardResult {
    cv::Mat remove;  // CV_8U 0/255: the candidates' pixels that belong to blemishes (and unjudged ones)
    cv::Mat leave;   // CV_8U 0/255: discs over the objects that are not skin (bright, not_skin)
                     // and over kept freckles, spot and rim; the caller should not retouch
                     // them at all (smoothing would blur a freckle the user asked to keep)
    GuardStats stats;
};

// `bgr`: CV_8UC3. `candidates`: CV_8U, non-zero where the spot finder would remove
// something (one spot per 8-connected component). `protect`: CV_8U, non-zero over eyes,
// brows, lips and nostrils, or empty. `skin`: CV_8U, non-zero where pixels may serve as the
// reference ring, or empty for everywhere. All the same size.
GuardResult guard_blemishes(const cv::Mat& bgr, const cv::Mat& candidates, const cv::Mat& protect,
                            const cv::Mat& skin, const GuardOptions& opt);

}  // namespace portrait::skin
