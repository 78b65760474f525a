// portrait-studio: the desktop window over the portrait runtime.
//   portrait-studio [--pipeline FILE] [--settings FILE] [-v] [PHOTO_OR_FOLDER]
// As in the `portrait` CLI: -v/--verbose logs at debug level, -V/--version prints the version.
// --screenshot FILE processes the photo, saves a picture of the window and exits
// (how docs/images/studio.png is made, under xvfb-run or QT_QPA_PLATFORM=offscreen).
#include <cstdio>
#include <filesystem>
#include <string>

#include <QApplication>
#include <QCheckBox>
#include <QCommandLineParser>
#include <QComboBox>
#include <QScreen>
#include <QTimer>

#include "core/settings_store.hpp"
#include "portrait/runtime/logging.hpp"
#include "portrait/runtime/resources.hpp"
#include "portrait/version.hpp"
#include "ui/compare_view.hpp"
#include "ui/main_window.hpp"

namespace {

namespace ps = portrait::studio;

// Waits for the photo's processing, then grabs the window into `file`.
void screenshot_when_done(ps::MainWindow& w, const QString& file, int* exit_code) {
    auto* timer = new QTimer(&w);
    timer->setInterval(100);
    QObject::connect(timer, &QTimer::timeout, &w, [&w, timer, file, exit_code] {
        auto r = w.lastResult();
        if (w.service().busy() || !r || r->serial != w.wantedSerial() || (!r->ok() && !r->error && !r->cancelled))
            return;
        timer->stop();
        const bool ok = w.grab().save(file);
        std::fprintf(stderr, "portrait-studio: %s %s\n", ok ? "wrote" : "could not write", qPrintable(file));
        *exit_code = ok ? 0 : 1;
        QApplication::quit();
    });
    timer->start();
}

}  // namespace

int main(int argc, char** argv) {
    portrait::keep_freed_memory_for_reuse();
    // The version before QApplication, which needs a display.
    for (int i = 1; i < argc; ++i)
        if (std::string(argv[i]) == "--version" || std::string(argv[i]) == "-V") {
            std::printf("Portrait Studio %s\n", PORTRAIT_VERSION_STRING);
            return 0;
        }
    QApplication app(argc, argv);
    QApplication::setApplicationName("Portrait Studio");
    QApplication::setOrganizationName("portrait");
    QApplication::setApplicationVersion(PORTRAIT_VERSION_STRING);

    QCommandLineParser parser;
    parser.setApplicationDescription("Portrait Studio: open a photo, tick the features, compare, save.");
    parser.addHelpOption();
    // Not addVersionOption(): it takes -v, which means verbose in the CLI.
    QCommandLineOption version({"V", "version"}, "Print the version and exit.");
    QCommandLineOption verbose({"v", "verbose"}, "Log at debug level (as --log-level debug).");
    QCommandLineOption pipeline({"p", "pipeline"}, "Pipeline YAML to start with.", "file");
    QCommandLineOption settings("settings", "Settings file (default: ~/.config/portrait/studio.ini).", "file");
    QCommandLineOption shot("screenshot", "Process the photo, save a picture of the window, exit.", "png");
    QCommandLineOption size("size", "Window size for --screenshot, WxH (default 1400x860).", "WxH", "1400x860");
    QCommandLineOption split("split", "Start in split view.");
    QCommandLineOption overlay("overlay", "Start with the face overlay on.");
    QCommandLineOption log_level("log-level", "trace, debug, info, warn, error or off (overrides -v).", "level",
                                 "info");
    parser.addOptions({version, verbose, pipeline, settings, shot, size, split, overlay, log_level});
    parser.addPositionalArgument("path", "A photo or a folder of photos to open.");
    parser.process(app);
    if (parser.isSet(version)) parser.showVersion();  // handled above; kept for --help's list

    const QString level = parser.isSet(log_level) ? parser.value(log_level)
                          : parser.isSet(verbose) ? QString("debug")
                                                  : parser.value(log_level);
    portrait::init_logging({level.toStdString(), portrait::default_log_file(), true});

    ps::WindowOptions options;
    if (parser.isSet(pipeline)) options.pipeline = parser.value(pipeline).toStdString();
    if (parser.isSet(settings)) options.settings_file = parser.value(settings);
    ps::MainWindow window(options);
    if (parser.isSet(split)) window.findChild<QComboBox*>("modeCombo")->setCurrentIndex(1);
    if (parser.isSet(overlay)) window.findChild<QCheckBox*>("overlayCheck")->setChecked(true);

    int exit_code = 0;
    if (parser.isSet(shot)) {
        const QStringList wh = parser.value(size).split('x');
        if (wh.size() == 2) window.resize(wh[0].toInt(), wh[1].toInt());
    }
    window.show();
    const QStringList paths = parser.positionalArguments();
    if (!paths.isEmpty()) window.openPath(std::filesystem::path(paths.first().toStdString()));
    if (parser.isSet(shot)) {
        if (paths.isEmpty()) {
            std::fprintf(stderr, "portrait-studio: --screenshot needs a photo to open\n");
            return 2;
        }
        screenshot_when_done(window, parser.value(shot), &exit_code);
    }
    const int rc = app.exec();
    return parser.isSet(shot) ? exit_code : rc;
}
