// Metadata carried into every output format, read back by readers that share no code
// with ours: PIL for profile bytes, resolution, EXIF and XMP; pngcheck and webpmux for the
// container; libpng itself for the warnings a PNG application would print. The inputs are
// made by PIL too, so the test never checks our writer against our own reader.
#include <gtest/gtest.h>

#include "image_readers.hpp"
#include "portrait/runtime/image_io.hpp"
#include "test_temp_dir.hpp"

namespace ir = image_readers;
namespace fs = std::filesystem;

namespace {

const char* const kMarker = "portrait-test-marker";

// Writes a 96x64 photo with an ICC profile (lcms's sRGB, as PIL builds it), EXIF (Make,
// Artist, 300/150 dpi), XMP and the format's own resolution field; prints the profile as hex.
const char* kMakeInput = R"PY(
import io, struct, sys
from PIL import Image, ImageCms
path, fmt, dpi = sys.argv[1], sys.argv[2], float(sys.argv[3])
icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
im = Image.merge("RGB", [Image.linear_gradient("L").resize((96, 64)),
                         Image.radial_gradient("L").resize((96, 64)),
                         Image.new("L", (96, 64), 90)])
ex = Image.Exif()
ex[271] = "PortraitTestMake"
ex[315] = "Jane Doe"
ex[274] = 1
ex[282] = dpi
ex[283] = dpi
ex[296] = 2
xmp = ('<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
       '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""'
       ' xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="portrait-test-marker"/>'
       '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>')
buf = io.BytesIO()
if fmt == "jpeg":
    im.save(buf, "JPEG", quality=95, icc_profile=icc, exif=ex.tobytes(), dpi=(dpi, dpi))
    b = buf.getvalue()
    app0 = 4 + struct.unpack(">H", b[4:6])[0]  # XMP goes after the JFIF segment
    seg = b"http://ns.adobe.com/xap/1.0/\x00" + xmp.encode()
    b = b[:app0] + b"\xff\xe1" + struct.pack(">H", len(seg) + 2) + seg + b[app0:]
else:
    from PIL import PngImagePlugin
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp)
    im.save(buf, "PNG", icc_profile=icc, exif=ex.tobytes(), dpi=(dpi, dpi), pnginfo=info)
    b = buf.getvalue()
open(path, "wb").write(b)
print(icc.hex())
)PY";

struct Input {
    std::string name, format;
    double dpi;
};
void PrintTo(const Input& in, std::ostream* os) { *os << in.name; }

// The path of scikit-image's astronaut.png (python3-skimage), found without importing it:
// it carries the 1998 HP/Microsoft sRGB profile that libpng calls "known incorrect".
fs::path astronaut_png() {
    const ir::Shell s = ir::python(
        "import importlib.util, os\n"
        "spec = importlib.util.find_spec('skimage')\n"
        "print(os.path.join(os.path.dirname(spec.origin), 'data', 'astronaut.png') if spec else '')\n");
    std::string p = s.out;
    while (!p.empty() && (p.back() == '\n' || p.back() == '\r')) p.pop_back();
    return p;
}

class OutputMetadata : public ::testing::TestWithParam<Input> {
protected:
    void SetUp() override {
        if (!ir::have_pil()) GTEST_SKIP() << "/usr/bin/python3 has no PIL (apt-get install python3-pil)";
    }
    portrait_test::TempDir tmp{"output-metadata"};
};

// Decodes `input` and writes it as out.<ext>, metadata carried, as the batch does.
std::vector<std::string> transcode(const fs::path& input, const fs::path& output) {
    const auto bytes = portrait::read_file_bytes(input);
    const portrait::DecodedImage img =
        portrait::decode_image(bytes, portrait::probe_image(bytes, input.string()), input.string());
    std::vector<std::string> warnings;
    portrait::write_file_atomic(output,
                                portrait::encode_image(output, img.pixels, {}, &img.metadata, &warnings));
    return warnings;
}

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& w : v) s += w + "; ";
    return s;
}

}  // namespace

TEST_P(OutputMetadata, EveryFormatKeepsProfileResolutionExifAndXmp) {
    const Input in = GetParam();
    const fs::path input = tmp / in.name;
    const ir::Shell made = ir::python(kMakeInput, {input.string(), in.format, std::to_string(in.dpi)});
    ASSERT_EQ(made.code, 0) << made.out;
    std::string icc_hex = made.out.substr(0, made.out.find('\n'));
    ASSERT_GT(icc_hex.size(), 256u);

    for (const std::string ext : {".jpg", ".png", ".webp", ".tif"}) {
        SCOPED_TRACE(in.name + " -> out" + ext);
        const fs::path out = tmp / ("out" + ext);
        const auto warnings = transcode(input, out);
        EXPECT_TRUE(warnings.empty()) << joined(warnings);

        const nlohmann::json pil = ir::pil_read(out);
        ASSERT_TRUE(pil["ok"].get<bool>()) << pil.dump();
        EXPECT_EQ(pil["size"], nlohmann::json::array({96, 64}));
        EXPECT_EQ(pil["icc"].get<std::string>(), icc_hex) << "the profile's bytes, unchanged";
        EXPECT_EQ(pil["exif"]["make"], "PortraitTestMake");
        EXPECT_EQ(pil["exif"]["artist"], "Jane Doe");
        EXPECT_EQ(pil["exif"]["orientation"], 1);
        EXPECT_NEAR(pil["exif"]["x_resolution"].get<double>(), in.dpi, 0.01);
        EXPECT_NE(pil["xmp"].get<std::string>().find(kMarker), std::string::npos) << pil["xmp"];
        if (ext != ".webp") {  // WebP has no resolution field of its own; EXIF carries it
            EXPECT_EQ(pil["dpi"].size(), 2u) << pil.dump();
            // pHYs stores whole pixels per metre: 150 dpi reads back as 150.0124.
            const double tolerance = ext == ".png" ? 0.0254 : 0.01;
            if (pil["dpi"].size() == 2) {
                EXPECT_NEAR(pil["dpi"][0].get<double>(), in.dpi, tolerance);
                EXPECT_NEAR(pil["dpi"][1].get<double>(), in.dpi, tolerance);
            }
        }

        if (ext == ".webp" && ir::have("webpmux")) {
            const ir::Shell info = ir::shell("webpmux -info " + ir::quote(out.string()));
            EXPECT_EQ(info.code, 0) << info.out;
            for (const char* chunk : {"ICC profile", "EXIF", "XMP"})
                EXPECT_NE(info.out.find(chunk), std::string::npos) << chunk << " missing:\n" << info.out;
        }
        if (ext == ".png") {
            if (ir::have("pngcheck")) {
                const ir::Shell check = ir::shell("pngcheck -v " + ir::quote(out.string()));
                EXPECT_EQ(check.code, 0) << check.out;
                EXPECT_NE(check.out.find("profile name = ICC Profile"), std::string::npos) << check.out;
                EXPECT_NE(check.out.find("chunk pHYs"), std::string::npos) << check.out;
            }
            const ir::PngRead png = ir::libpng_read(ir::read_bytes(out));
            EXPECT_EQ(png.error, "");
            EXPECT_TRUE(png.warnings.empty()) << joined(png.warnings);
            EXPECT_TRUE(png.has_iccp);
            EXPECT_EQ(png.iccp_name, "ICC Profile");
            EXPECT_EQ(ir::hex(png.icc), icc_hex);
            EXPECT_TRUE(png.has_exif);
            EXPECT_TRUE(png.phys_in_metres);
            EXPECT_NEAR(png.ppm_x, in.dpi / 0.0254, 0.5);
            EXPECT_NEAR(png.ppm_y, in.dpi / 0.0254, 0.5);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Inputs, OutputMetadata,
                         ::testing::Values(Input{"in.jpg", "jpeg", 300}, Input{"in.png", "png", 150}),
                         [](const auto& info) { return info.param.format; });

// The profile libpng flags as a known incorrect sRGB profile (HP/Microsoft, 1998; in many
// cameras' files): written to a PNG as that profile, every libpng reader would warn. The PNG
// says sRGB with its own chunk instead; the other formats keep the bytes.
TEST(OutputMetadataPng, KnownIncorrectSrgbProfileBecomesAnSrgbChunk) {
    if (!ir::have_pil()) GTEST_SKIP() << "/usr/bin/python3 has no PIL (apt-get install python3-pil)";
    const fs::path astronaut = astronaut_png();
    if (astronaut.empty() || !fs::exists(astronaut))
        GTEST_SKIP() << "scikit-image's astronaut.png not found (apt-get install python3-skimage)";
    portrait_test::TempDir tmp("output-metadata");
    const nlohmann::json original = ir::pil_read(astronaut);
    ASSERT_TRUE(original["ok"].get<bool>()) << original.dump();
    const ir::PngRead input = ir::libpng_read(ir::read_bytes(astronaut));
    ASSERT_NE(joined(input.warnings).find("known incorrect sRGB profile"), std::string::npos)
        << "the input is expected to carry the profile libpng warns about: " << joined(input.warnings);

    const auto warnings = transcode(astronaut, tmp / "out.png");
    // Nothing is lost, so it is no warning (a batch of such PNGs would get one per image).
    EXPECT_EQ(joined(warnings).find("sRGB chunk"), std::string::npos) << joined(warnings);
    const ir::PngRead png = ir::libpng_read(ir::read_bytes(tmp / "out.png"));
    EXPECT_EQ(png.error, "");
    EXPECT_TRUE(png.warnings.empty()) << joined(png.warnings);
    EXPECT_FALSE(png.has_iccp);
    EXPECT_TRUE(png.has_srgb);
    EXPECT_EQ(png.ppm_x, input.ppm_x) << "pHYs carried";
    EXPECT_EQ(png.ppm_y, input.ppm_y);
    if (ir::have("pngcheck")) {
        const ir::Shell check = ir::shell("pngcheck -v " + ir::quote((tmp / "out.png").string()));
        EXPECT_EQ(check.code, 0) << check.out;
        EXPECT_NE(check.out.find("chunk sRGB"), std::string::npos) << check.out;
    }
    EXPECT_TRUE(ir::pil_read(tmp / "out.png")["srgb"].get<bool>());

    // JPEG output keeps the very bytes; PIL reads 300 dpi from the PNG's pHYs.
    transcode(astronaut, tmp / "out.jpg");
    const nlohmann::json jpg = ir::pil_read(tmp / "out.jpg");
    ASSERT_TRUE(jpg["ok"].get<bool>()) << jpg.dump();
    EXPECT_EQ(jpg["icc"], original["icc"]);
    ASSERT_EQ(jpg["dpi"].size(), 2u) << jpg.dump();
    EXPECT_NEAR(jpg["dpi"][0].get<double>(), 300, 0.01);
}
