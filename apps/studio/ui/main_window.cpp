#include "main_window.hpp"

#include <algorithm>
#include <cmath>

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFrame>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QToolBar>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include <spdlog/spdlog.h>

#include "compare_view.hpp"
#include "image_convert.hpp"
#include "portrait/runtime/data_dirs.hpp"
#include "portrait/runtime/logging.hpp"
#include "portrait/runtime/model_locator.hpp"
#include "portrait/runtime/pipeline.hpp"
#include "../core/feature_state.hpp"
#include "../core/result_saver.hpp"

namespace portrait::studio {
namespace fs = std::filesystem;

namespace {

QString qstr(const std::string& s) { return QString::fromStdString(s); }
QString qpath(const fs::path& p) { return QString::fromStdString(p.string()); }
fs::path fspath(const QString& s) { return fs::path(s.toStdString()); }

constexpr int kSliderSteps = 1000;

}  // namespace

MainWindow::MainWindow(WindowOptions options, QWidget* parent)
    : QMainWindow(parent), options_(std::move(options)), settings_(options_.settings_file) {
    state_ = settings_.load();
    registry_ = options_.registry;
    if (!registry_) {
        registry_ = std::make_shared<SharedRegistry>();
        registry_->load_defaults();
    }
    service_ = std::make_unique<ProcessingService>(registry_);
    connect(service_.get(), &ProcessingService::imageLoaded, this, &MainWindow::onImageLoaded);
    connect(service_.get(), &ProcessingService::previewDone, this, &MainWindow::onPreviewDone);
    connect(service_.get(), &ProcessingService::busyChanged, this, &MainWindow::onBusyChanged);
    connect(service_.get(), &ProcessingService::batchStarted, this, &MainWindow::onBatchStarted);
    connect(service_.get(), &ProcessingService::batchProgress, this, &MainWindow::onBatchProgress);
    connect(service_.get(), &ProcessingService::batchDone, this, &MainWindow::onBatchDone);
    debounce_.setSingleShot(true);
    connect(&debounce_, &QTimer::timeout, this, [this] { requestPreview(); });

    setWindowTitle(tr("Portrait Studio"));
    setAcceptDrops(true);
    buildActions();
    buildUi();

    // The pipeline: the one asked for, else the remembered one (with its remembered
    // checkbox and slider values), else the default pipeline.
    fs::path pipeline = options_.pipeline;
    const bool remembered = pipeline.empty() && !state_.pipeline.empty() && fs::exists(state_.pipeline);
    if (remembered) pipeline = state_.pipeline;
    if (pipeline.empty()) pipeline = find_data("pipelines/default.yaml");
    const FeatureChoices saved = state_.features;
    if (!pipeline.empty()) {
        selectPipeline(pipeline);
        if (remembered) {
            for (const auto& [key, c] : saved)
                if (choices_.count(key)) choices_[key] = c;
            refreshFeatureRows();
        }
    } else {
        showError({"The default pipeline was not found.", "pipelines/default.yaml is neither installed nor in the "
                   "source tree.", "Choose a pipeline file with the Pipeline list's \"Other pipeline...\" entry."});
    }

    if (!state_.geometry.isEmpty()) restoreGeometry(state_.geometry);
    else resize(1280, 800);
    mode_combo_->setCurrentIndex(state_.view_mode == "split" ? 1 : 0);
    view_->setSplit(state_.split);
    overlay_check_->setChecked(state_.overlay);
    updateActions();
    remember();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildActions() {
    auto* st = style();
    act_open_ = new QAction(st->standardIcon(QStyle::SP_DialogOpenButton), tr("Open..."), this);
    act_open_->setShortcut(QKeySequence::Open);
    act_open_->setToolTip(tr("Open a photo (its folder's photos can then be stepped through)"));
    act_open_folder_ = new QAction(st->standardIcon(QStyle::SP_DirOpenIcon), tr("Open folder..."), this);
    act_open_folder_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    act_prev_ = new QAction(st->standardIcon(QStyle::SP_ArrowBack), tr("Previous"), this);
    act_prev_->setShortcut(QKeySequence(Qt::Key_PageUp));
    act_next_ = new QAction(st->standardIcon(QStyle::SP_ArrowForward), tr("Next"), this);
    act_next_->setShortcut(QKeySequence(Qt::Key_PageDown));
    act_process_ = new QAction(st->standardIcon(QStyle::SP_BrowserReload), tr("Process"), this);
    act_process_->setShortcut(QKeySequence(Qt::Key_F5));
    act_process_->setToolTip(tr("Process the photo again with the current settings (F5)"));
    act_cancel_ = new QAction(st->standardIcon(QStyle::SP_BrowserStop), tr("Cancel"), this);
    act_cancel_->setShortcut(QKeySequence(Qt::Key_Escape));
    act_cancel_->setToolTip(tr("Stop the processing that is running (Esc)"));
    act_save_ = new QAction(st->standardIcon(QStyle::SP_DialogSaveButton), tr("Save result..."), this);
    act_save_->setShortcut(QKeySequence::Save);
    act_save_pipeline_ = new QAction(tr("Save pipeline..."), this);
    act_save_pipeline_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    act_save_pipeline_->setToolTip(tr("Save the current settings as a pipeline YAML for 'portrait run -p'"));
    act_apply_ = new QAction(st->standardIcon(QStyle::SP_FileDialogListView), tr("Apply to folder..."), this);
    act_apply_->setToolTip(tr("Process every photo of a folder with the current settings (the batch runner)"));
    act_fit_ = new QAction(tr("Fit"), this);
    act_fit_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    act_100_ = new QAction(tr("100%"), this);
    act_100_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
    act_zoom_face_ = new QAction(tr("Zoom to face"), this);
    act_zoom_face_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_F));
    act_zoom_face_->setToolTip(tr("Zoom onto a face; press again for the next face (Ctrl+F)"));
    act_zoom_face_->setObjectName("actZoomFace");

    act_open_->setObjectName("actOpen");
    act_open_folder_->setObjectName("actOpenFolder");
    act_prev_->setObjectName("actPrevious");
    act_next_->setObjectName("actNext");
    act_process_->setObjectName("actProcess");
    act_cancel_->setObjectName("actCancel");
    act_save_->setObjectName("actSave");
    act_save_pipeline_->setObjectName("actSavePipeline");
    act_apply_->setObjectName("actApply");

    connect(act_open_, &QAction::triggered, this, &MainWindow::chooseOpenFile);
    connect(act_open_folder_, &QAction::triggered, this, &MainWindow::chooseOpenFolder);
    connect(act_prev_, &QAction::triggered, this, &MainWindow::previousImage);
    connect(act_next_, &QAction::triggered, this, &MainWindow::nextImage);
    connect(act_process_, &QAction::triggered, this, &MainWindow::processNow);
    connect(act_cancel_, &QAction::triggered, this, &MainWindow::cancel);
    connect(act_save_, &QAction::triggered, this, &MainWindow::chooseSaveResult);
    connect(act_save_pipeline_, &QAction::triggered, this, &MainWindow::chooseSavePipeline);
    connect(act_apply_, &QAction::triggered, this, &MainWindow::chooseApplyToFolder);
    connect(act_fit_, &QAction::triggered, this, [this] { view_->fit(); });
    connect(act_100_, &QAction::triggered, this, [this] { view_->zoomTo(1.0); });
    connect(act_zoom_face_, &QAction::triggered, this, &MainWindow::zoomToFace);

    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(act_open_);
    file->addAction(act_open_folder_);
    file->addSeparator();
    file->addAction(act_save_);
    file->addAction(act_save_pipeline_);
    file->addAction(act_apply_);
    file->addSeparator();
    QAction* quit = file->addAction(tr("Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);
    QMenu* go = menuBar()->addMenu(tr("&Photo"));
    go->addAction(act_prev_);
    go->addAction(act_next_);
    go->addAction(act_process_);
    go->addAction(act_cancel_);
    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(act_fit_);
    view->addAction(act_100_);
    view->addAction(act_zoom_face_);

    QToolBar* tb = addToolBar(tr("Main"));
    tb->setObjectName("mainToolBar");
    tb->setMovable(false);
    tb->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    tb->addAction(act_open_);
    tb->addAction(act_open_folder_);
    tb->addSeparator();
    tb->addAction(act_prev_);
    tb->addAction(act_next_);
    tb->addSeparator();
    tb->addAction(act_process_);
    tb->addAction(act_cancel_);
    tb->addSeparator();
    tb->addAction(act_save_);
    tb->addAction(act_save_pipeline_);
    tb->addAction(act_apply_);
}

void MainWindow::buildUi() {
    auto* side = new QWidget;
    auto* side_layout = new QVBoxLayout(side);

    // Pipeline.
    auto* pipe_box = new QGroupBox(tr("Pipeline"));
    auto* pipe_layout = new QVBoxLayout(pipe_box);
    pipeline_combo_ = new QComboBox;
    pipeline_combo_->setObjectName("pipelineCombo");
    pipeline_combo_->setToolTip(tr("Any pipeline under pipelines/, or your own YAML file"));
    pipeline_note_ = new QLabel;
    pipeline_note_->setWordWrap(true);
    pipeline_note_->setStyleSheet("color: palette(mid);");
    pipe_layout->addWidget(pipeline_combo_);
    pipe_layout->addWidget(pipeline_note_);
    connect(pipeline_combo_, QOverload<int>::of(&QComboBox::activated), this, [this](int index) {
        const QString data = pipeline_combo_->itemData(index).toString();
        if (data.isEmpty()) {
            choosePipelineFile();
            return;
        }
        if (fspath(data) != base_config_.file) selectPipeline(fspath(data));
    });
    side_layout->addWidget(pipe_box);

    // Features: one checkbox and one strength slider each, from the feature table.
    auto* feat_box = new QGroupBox(tr("Features"));
    auto* grid = new QGridLayout(feat_box);
    int row = 0;
    for (const auto& spec : options_.features) {
        FeatureRow r;
        r.check = new QCheckBox(qstr(spec.label));
        r.check->setObjectName(qstr("feature_" + spec.key));
        r.slider = new QSlider(Qt::Horizontal);
        r.slider->setObjectName(qstr("strength_" + spec.key));
        r.slider->setRange(0, kSliderSteps);
        r.value = new QLabel;
        r.value->setMinimumWidth(40);
        r.value->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        // Greyed by being disabled (with the slider) while the feature is off.
        r.strength = new QLabel(tr("strength"));
        r.strength->setObjectName(qstr("strengthLabel_" + spec.key));
        r.value->setObjectName(qstr("strengthValue_" + spec.key));
        grid->addWidget(r.check, row, 0, 1, 3);
        grid->addWidget(r.strength, row + 1, 0);
        grid->addWidget(r.slider, row + 1, 1);
        grid->addWidget(r.value, row + 1, 2);
        row += 2;
        const std::string key = spec.key;
        connect(r.check, &QCheckBox::toggled, this, [this, key](bool on) {
            auto b = std::find_if(bindings_.begin(), bindings_.end(), [&](const FeatureBinding& x) { return x.spec.key == key; });
            if (b == bindings_.end() || !b->available) return;
            auto it = choices_.find(key);
            if (it == choices_.end()) it = choices_.emplace(key, FeatureChoice{on, b->value}).first;
            it->second.enabled = on;
            const FeatureRowState st = feature_row_state(*b, choices_);
            const FeatureRow& row = rows_[key];
            for (QWidget* w : {static_cast<QWidget*>(row.slider), static_cast<QWidget*>(row.strength),
                               static_cast<QWidget*>(row.value)})
                w->setEnabled(st.strength_enabled);
            remember();
            schedulePreview();
        });
        connect(r.slider, &QSlider::valueChanged, this, [this, key](int pos) {
            auto b = std::find_if(bindings_.begin(), bindings_.end(), [&](const FeatureBinding& x) { return x.spec.key == key; });
            if (b == bindings_.end() || !b->available) return;
            const double v = sliderToValue(*b, pos);
            choices_[key].strength = v;
            rows_[key].value->setText(qstr(format_value(v, b->integer)));
            remember();
            schedulePreview();
        });
        rows_[key] = r;
    }
    features_note_ = new QLabel;
    features_note_->setObjectName("featuresNote");
    features_note_->setWordWrap(true);
    features_note_->setStyleSheet("color: palette(mid);");
    features_note_->hide();
    grid->addWidget(features_note_, row, 0, 1, 3);
    grid->setColumnStretch(1, 1);
    side_layout->addWidget(feat_box);

    // View.
    auto* view_box = new QGroupBox(tr("View"));
    auto* view_layout = new QGridLayout(view_box);
    mode_combo_ = new QComboBox;
    mode_combo_->setObjectName("modeCombo");
    mode_combo_->addItem(tr("Side by side"));
    mode_combo_->addItem(tr("Split"));
    overlay_check_ = new QCheckBox(tr("Face overlay (boxes and mesh)"));
    overlay_check_->setObjectName("overlayCheck");
    auto* fit = new QToolButton;
    fit->setDefaultAction(act_fit_);
    auto* full = new QToolButton;
    full->setDefaultAction(act_100_);
    auto* face = new QToolButton;
    face->setDefaultAction(act_zoom_face_);
    face->setObjectName("zoomFaceButton");
    view_layout->addWidget(new QLabel(tr("Compare")), 0, 0);
    view_layout->addWidget(mode_combo_, 0, 1, 1, 3);
    view_layout->addWidget(new QLabel(tr("Zoom")), 1, 0);
    view_layout->addWidget(fit, 1, 1);
    view_layout->addWidget(full, 1, 2);
    view_layout->addWidget(face, 1, 3);
    view_layout->addWidget(overlay_check_, 2, 0, 1, 4);
    side_layout->addWidget(view_box);

    info_ = new QLabel;
    info_->setObjectName("imageInfo");
    info_->setWordWrap(true);
    info_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    side_layout->addWidget(info_);
    side_layout->addStretch(1);

    auto* scroll = new QScrollArea;
    scroll->setWidget(side);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setMinimumWidth(290);
    scroll->setMaximumWidth(380);

    // Banner for errors (and batch summaries) above the images.
    banner_ = new QFrame;
    banner_->setObjectName("banner");
    auto* banner_layout = new QHBoxLayout(banner_);
    auto* banner_text = new QVBoxLayout;
    banner_title_ = new QLabel;
    banner_title_->setObjectName("bannerTitle");
    banner_title_->setWordWrap(true);
    QFont bold = banner_title_->font();
    bold.setBold(true);
    banner_title_->setFont(bold);
    banner_body_ = new QLabel;
    banner_body_->setObjectName("bannerBody");
    banner_body_->setWordWrap(true);
    banner_body_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    banner_text->addWidget(banner_title_);
    banner_text->addWidget(banner_body_);
    auto* dismiss = new QPushButton(tr("Dismiss"));
    connect(dismiss, &QPushButton::clicked, this, &MainWindow::hideBanner);
    banner_layout->addLayout(banner_text, 1);
    banner_layout->addWidget(dismiss, 0, Qt::AlignTop);
    banner_->hide();

    view_ = new CompareView;
    view_->setObjectName("compareView");
    view_->setPlaceholder(tr("Open a photo or a folder (File > Open), or drop one here."));
    connect(mode_combo_, QOverload<int>::of(&QComboBox::currentIndexChanged), this, [this](int i) {
        view_->setMode(i == 1 ? CompareView::Mode::Split : CompareView::Mode::SideBySide);
        state_.view_mode = i == 1 ? "split" : "side";
        remember();
    });
    connect(view_, &CompareView::splitChanged, this, [this](double f) {
        state_.split = f;
        remember();
    });
    connect(overlay_check_, &QCheckBox::toggled, this, [this](bool on) {
        view_->setOverlayVisible(on);
        state_.overlay = on;
        remember();
        if (on && last_result_ && !last_result_->before.empty() && !last_result_->faces_requested) processNow();
        showImageInfo();
    });

    auto* right = new QWidget;
    auto* right_layout = new QVBoxLayout(right);
    right_layout->setContentsMargins(0, 0, 0, 0);
    right_layout->addWidget(banner_);
    right_layout->addWidget(view_, 1);

    auto* splitter = new QSplitter;
    splitter->addWidget(scroll);
    splitter->addWidget(right);
    splitter->setStretchFactor(1, 1);
    setCentralWidget(splitter);

    status_ = new QLabel;
    status_->setObjectName("statusText");
    progress_ = new QProgressBar;
    progress_->setObjectName("progress");
    progress_->setMaximumWidth(220);
    progress_->setTextVisible(true);
    progress_->hide();
    statusBar()->addWidget(status_, 1);
    statusBar()->addPermanentWidget(progress_);
}

// ---- pipeline and features ----

void MainWindow::fillPipelineList() {
    QSignalBlocker block(pipeline_combo_);
    pipeline_combo_->clear();
    std::vector<fs::path> all = bundled_pipelines();
    for (const auto& p : state_.user_pipelines)
        if (std::find(all.begin(), all.end(), p) == all.end()) all.push_back(p);
    if (have_pipeline_ && std::find(all.begin(), all.end(), base_config_.file) == all.end())
        all.push_back(base_config_.file);
    const auto bundled = bundled_pipelines();
    for (const auto& p : all) {
        const bool is_bundled = std::find(bundled.begin(), bundled.end(), p) != bundled.end();
        const QString text = is_bundled ? qstr(p.stem().string())
                                        : qstr(p.filename().string()) + "  (" + qpath(p.parent_path()) + ")";
        pipeline_combo_->addItem(text, qpath(p));
        if (have_pipeline_ && p == base_config_.file) pipeline_combo_->setCurrentIndex(pipeline_combo_->count() - 1);
    }
    pipeline_combo_->insertSeparator(pipeline_combo_->count());
    pipeline_combo_->addItem(tr("Other pipeline..."), QString());
}

bool MainWindow::selectPipeline(const fs::path& file) {
    PipelineConfig cfg;
    try {
        cfg = load_pipeline(file);
        registry_->load_pipeline_folders(cfg);
    } catch (const std::exception& e) {
        const ErrorInfo err = pipeline_error(file, e.what());
        host_logger().error("studio: {}", err.text());
        showError(err);
        fillPipelineList();
        return false;
    }
    base_config_ = cfg;
    have_pipeline_ = true;
    bindings_ = bindFeatures();
    choices_ = choices_from(bindings_);
    face_file_.clear();  // another face stage may find other faces
    state_.pipeline = file;
    const auto bundled = bundled_pipelines();
    if (std::find(bundled.begin(), bundled.end(), file) == bundled.end() &&
        std::find(state_.user_pipelines.begin(), state_.user_pipelines.end(), file) == state_.user_pipelines.end())
        state_.user_pipelines.push_back(file);
    fillPipelineList();
    refreshFeatureRows();
    hideBanner();

    // Check it now, so a pipeline that cannot run says so before any photo is opened.
    QString note = qstr(cfg.description);
    std::vector<std::string> dropped;
    try {
        const PipelineConfig run = registry_->read([&](const PluginRegistry& r) {
            PipelineConfig c = runnable_config(apply_features(base_config_, bindings_, choices_), r, &dropped);
            validate_pipeline(c, r);
            return c;
        });
        (void)run;
    } catch (const std::exception& e) {
        const ErrorInfo err = pipeline_error(file, e.what());
        host_logger().error("studio: {}", err.text());
        showError(err);
    }
    if (!dropped.empty()) {
        QString list;
        for (const auto& d : dropped) list += (list.isEmpty() ? "" : ", ") + qstr(d);
        note += (note.isEmpty() ? "" : "\n") + tr("Not installed (off): %1").arg(list);
    }
    pipeline_note_->setText(note);
    pipeline_note_->setVisible(!note.isEmpty());
    remember();
    schedulePreview();
    return true;
}

double MainWindow::sliderToValue(const FeatureBinding& b, int pos) const {
    if (b.integer && b.max - b.min <= kSliderSteps) return b.min + pos;
    const double v = b.min + (b.max - b.min) * pos / kSliderSteps;
    return b.integer ? std::round(v) : v;
}

int MainWindow::valueToSlider(const FeatureBinding& b, double v) const {
    if (b.max <= b.min) return 0;
    if (b.integer && b.max - b.min <= kSliderSteps) return int(std::lround(v - b.min));
    return int(std::lround((v - b.min) / (b.max - b.min) * kSliderSteps));
}

std::vector<FeatureBinding> MainWindow::bindFeatures() const {
    const ModelLocator models(base_config_.model_paths);  // where the stages will look
    return registry_->read(
        [&](const PluginRegistry& r) { return bind_features(options_.features, base_config_, r, &models); });
}

bool MainWindow::refreshModelAvailability() {
    if (!have_pipeline_) return false;
    std::vector<FeatureBinding> fresh = bindFeatures();
    bool changed = fresh.size() != bindings_.size();
    for (std::size_t i = 0; !changed && i < fresh.size(); ++i)
        changed = fresh[i].available != bindings_[i].available ||
                  fresh[i].unavailable_reason != bindings_[i].unavailable_reason;
    if (!changed) return false;
    bindings_ = std::move(fresh);
    for (const auto& b : bindings_)
        host_logger().info("studio: feature '{}' {}", b.spec.key,
                           b.available ? "is available" : "is not available: " + b.unavailable_reason);
    refreshFeatureRows();
    return true;
}

void MainWindow::refreshFeatureRows() {
    QString missing, no_model;
    for (const auto& b : bindings_) {
        if (b.available) continue;
        QString& list = b.missing_models.empty() ? missing : no_model;
        list += (list.isEmpty() ? "" : ", ") + qstr(b.spec.label);
    }
    QStringList note;
    if (!no_model.isEmpty())
        note << tr("Greyed out because its model is not installed (hover for how to get it): %1").arg(no_model);
    if (!missing.isEmpty())
        note << tr("Greyed out (not in this pipeline, or its plugin is missing; hover for details): %1").arg(missing);
    features_note_->setText(note.join("\n"));
    features_note_->setVisible(!note.isEmpty());
    for (const auto& b : bindings_) {
        auto rit = rows_.find(b.spec.key);
        if (rit == rows_.end()) continue;
        FeatureRow& r = rit->second;
        QSignalBlocker b1(r.check), b2(r.slider);
        const FeatureRowState st = feature_row_state(b, choices_);
        auto c = choices_.find(b.spec.key);
        if (c != choices_.end()) c->second.strength = st.value;
        r.check->setChecked(st.checked);
        r.check->setEnabled(st.check_enabled);
        if (b.integer && b.max - b.min <= kSliderSteps) r.slider->setRange(0, int(b.max - b.min));
        else r.slider->setRange(0, kSliderSteps);
        r.slider->setValue(valueToSlider(b, st.value));
        r.slider->setEnabled(st.strength_enabled);
        r.strength->setEnabled(st.strength_enabled);
        r.value->setEnabled(st.strength_enabled);
        r.value->setText(b.available ? qstr(format_value(st.value, b.integer)) : QString());
        const QString tip = qstr(st.tooltip);
        r.check->setToolTip(tip);
        r.slider->setToolTip(tip);
        r.strength->setToolTip(tip);
    }
}

PipelineConfig MainWindow::currentConfig() const {
    return registry_->read(
        [&](const PluginRegistry& r) { return runnable_config(apply_features(base_config_, bindings_, choices_), r); });
}

// ---- photos ----

bool MainWindow::openPath(const fs::path& path) {
    if (!images_.open(path)) {
        const ErrorInfo err = read_error(path, path.string() + ": no such file or folder");
        host_logger().error("studio: {}", err.text());
        showError(err);
        return false;
    }
    state_.last_folder = images_.folder();
    remember();
    hideBanner();
    last_result_.reset();
    if (images_.empty()) {
        view_->setBefore(QImage());
        view_->setPlaceholder(tr("There are no photos in %1.").arg(qpath(images_.folder())));
        showImageInfo();
        updateActions();
        return true;
    }
    processNow();
    showImageInfo();
    updateActions();
    return true;
}

void MainWindow::nextImage() {
    if (images_.next()) {
        hideBanner();
        processNow();
    }
    showImageInfo();
    updateActions();
}

void MainWindow::previousImage() {
    if (images_.previous()) {
        hideBanner();
        processNow();
    }
    showImageInfo();
    updateActions();
}

void MainWindow::schedulePreview() {
    if (images_.empty() || !have_pipeline_) return;
    debounce_.start(options_.debounce_ms);
}

void MainWindow::processNow() {
    debounce_.stop();
    refreshModelAvailability();  // a model fetched meanwhile runs now; one removed is greyed out
    requestPreview();
}

void MainWindow::requestPreview(bool with_faces) {
    if (images_.empty() || !have_pipeline_) return;
    PreviewRequest req;
    req.file = images_.current();
    req.config = currentConfig();
    req.want_faces = with_faces || overlay_check_->isChecked();
    wanted_serial_ = service_->preview(std::move(req));
    if (!last_result_ || last_result_->file != images_.current()) view_->setAfterMessage(tr("Processing..."));
    status_->setText(tr("Processing %1...").arg(qpath(images_.current().filename())));
}

void MainWindow::onImageLoaded(PreviewResultPtr r) {
    if (r->serial != wanted_serial_) return;
    if (view_->before().isNull() || !last_result_ || last_result_->file != r->file) {
        view_->setBefore(to_qimage(r->before));
        view_->setAfterMessage(tr("Processing..."));
        last_result_ = r;  // the photo shown now (no result yet)
    }
    showImageInfo();
}

void MainWindow::onPreviewDone(PreviewResultPtr r) {
    if (r->serial != wanted_serial_) return;  // superseded by newer settings
    const bool new_photo = !last_result_ || last_result_->file != r->file;
    if (r->before.empty()) {
        view_->setBefore(QImage());
        view_->setPlaceholder(tr("%1 cannot be shown.").arg(qpath(r->file.filename())));
    } else if (new_photo || view_->before().isNull()) {
        view_->setBefore(to_qimage(r->before));
    }
    last_result_ = r;
    if (!r->ok()) zoom_face_pending_ = false;
    if (r->error) {
        showError(*r->error);
        view_->setAfter(QImage());
        view_->setAfterMessage(tr("No result.\n%1").arg(qstr(r->error->title)));
        status_->setText(qstr(r->error->title));
    } else if (r->cancelled) {
        view_->setAfter(QImage());
        view_->setAfterMessage(tr("Cancelled. Press Process (F5) to run it again."));
        status_->setText(tr("Cancelled"));
    } else {
        if (banner_->isVisible() && banner_->property("error").toBool()) hideBanner();
        view_->setAfter(to_qimage(r->after));
        if (r->faces_requested) {
            const bool same = face_file_ == r->file && faces_.size() == r->faces.faces.size();
            face_file_ = r->file;
            faces_ = r->faces.faces;
            faces_note_ = r->faces.note;
            if (!same) face_index_ = -1;  // the next press starts at the first face again
        }
        // Faces come from the input photo, so they stay while only the settings change.
        view_->setFaces(face_file_ == r->file ? faces_ : std::vector<Face>{});
        const QString took = r->ms < 1000 ? tr("%1 ms").arg(std::max(1, int(std::lround(r->ms))))
                                          : tr("%1 s").arg(r->ms / 1000.0, 0, 'f', 1);
        status_->setText(tr("Processed %1 in %2").arg(qpath(r->file.filename()), took));
        if (zoom_face_pending_ && r->faces_requested) {
            zoom_face_pending_ = false;
            zoomToFace();
        }
    }
    showImageInfo();
    updateActions();
}

bool MainWindow::canZoomToFace() const {
    if (images_.empty() || view_->before().isNull()) return false;
    if (face_file_ == images_.current()) return !faces_.empty();
    // Not looked for yet: the face stage's count says whether there is one to find.
    if (!last_result_ || last_result_->file != images_.current() || !last_result_->ok()) return false;
    return portrait::faces_found(last_result_->report) > 0;
}

void MainWindow::zoomToFace() {
    if (images_.empty() || view_->before().isNull()) return;
    if (face_file_ != images_.current()) {
        zoom_face_pending_ = true;
        debounce_.stop();
        requestPreview(true);
        status_->setText(tr("Finding the faces in %1...").arg(qpath(images_.current().filename())));
        return;
    }
    if (faces_.empty()) {
        status_->setText(faces_note_.empty() ? tr("No face found in %1").arg(qpath(face_file_.filename()))
                                             : qstr(faces_note_));
        updateActions();
        return;
    }
    face_index_ = (face_index_ + 1) % int(faces_.size());
    const cv::Rect2f& b = faces_[std::size_t(face_index_)].box;
    view_->zoomToBox(QRectF(b.x, b.y, b.width, b.height));
    status_->setText(faces_.size() > 1 ? tr("Face %1 of %2 (Ctrl+F for the next)").arg(face_index_ + 1).arg(faces_.size())
                                        : tr("Face 1 of 1"));
}

void MainWindow::showImageInfo() {
    if (images_.empty()) {
        info_->setText(QString());
        setWindowTitle(tr("Portrait Studio"));
        return;
    }
    const fs::path file = images_.current();
    setWindowTitle(tr("%1 - Portrait Studio").arg(qpath(file.filename())));
    QString text = "<b>" + qpath(file.filename()).toHtmlEscaped() + "</b><br>" +
                   tr("%1 of %2 in %3").arg(images_.index() + 1).arg(images_.size())
                       .arg(qpath(images_.folder()).toHtmlEscaped());
    if (last_result_ && last_result_->file == file && !last_result_->before.empty()) {
        text += "<br>" + tr("%1 x %2 pixels").arg(last_result_->before.cols).arg(last_result_->before.rows);
        if (last_result_->ok()) {
            text += "<br>" + tr("Stages: %1").arg(qstr([&] {
                        std::string s;
                        for (const auto& id : last_result_->stages) s += (s.empty() ? "" : ", ") + id;
                        return s;
                    }()));
            if (const int n = portrait::faces_found(last_result_->report); n >= 0)
                text += "<br>" + tr("Faces found: %1").arg(n);
        }
        if (overlay_check_->isChecked() && last_result_->faces_requested && !last_result_->faces.note.empty())
            text += "<br><i>" + tr("Overlay: %1").arg(qstr(last_result_->faces.note).toHtmlEscaped()) + "</i>";
    }
    info_->setText(text);
}

// ---- jobs ----

void MainWindow::cancel() {
    debounce_.stop();
    if (!service_->busy()) return;
    service_->cancel();
    cancelling_ = true;
    status_->setText(tr("Cancelling..."));
}

void MainWindow::onBusyChanged(bool busy) {
    if (busy) {
        if (!service_->batch_running()) progress_->setRange(0, 0);  // busy indicator
        progress_->show();
    } else {
        progress_->hide();  // keeps its last value (a finished batch: written of total)
        // A cancel that dropped the request the window was waiting for leaves no result to show.
        if (cancelling_ && status_->text() == tr("Cancelling...")) status_->setText(tr("Cancelled"));
        cancelling_ = false;
    }
    updateActions();
}

void MainWindow::onBatchStarted(int total) {
    progress_->setRange(0, std::max(total, 1));
    progress_->setValue(0);
    progress_->setFormat("%v / %m");
    progress_->show();
    status_->setText(tr("Applying to folder: %1 photo(s)").arg(total));
}

void MainWindow::onBatchProgress(int done, int total) {
    progress_->setRange(0, std::max(total, 1));
    progress_->setValue(done);
    status_->setText(tr("Applying to folder: %1 of %2 written").arg(done).arg(total));
}

void MainWindow::onBatchDone(FolderResultPtr r) {
    progress_->setFormat("%p%");
    if (r->error) {
        showError(*r->error);
        status_->setText(qstr(r->error->title));
        updateActions();
        return;
    }
    const BatchSummary& s = r->summary;
    QString text = tr("%1 photo(s) written to %2").arg(s.ok).arg(qpath(r->request.output));
    if (s.failed) text += tr(", %1 failed").arg(s.failed);
    if (s.cancelled) text += tr(", %1 not done (cancelled)").arg(s.cancelled);
    QString body;
    int shown = 0;
    for (const auto& item : s.items) {
        if (item.status != portrait::ItemStatus::Failed || shown >= 5) continue;
        body += qstr(item.error) + "\n";
        ++shown;
    }
    if (s.failed > shown) body += tr("... and %1 more (see the log)\n").arg(s.failed - shown);
    showNotice(text + (body.isEmpty() ? QString() : "\n" + body.trimmed()));
    status_->setText(r->cancelled ? tr("Apply to folder cancelled") : tr("Apply to folder finished"));
    updateActions();
}

bool MainWindow::applyToFolder(const fs::path& input, const fs::path& output) {
    if (service_->batch_running()) return false;
    FolderRequest req;
    req.input = input;
    req.output = output;
    req.config = currentConfig();
    if (!service_->apply_to_folder(std::move(req))) return false;
    state_.last_output_folder = output;
    remember();
    progress_->setRange(0, 0);
    progress_->show();
    status_->setText(tr("Applying to %1...").arg(qpath(input)));
    updateActions();
    return true;
}

bool MainWindow::saveResultTo(const fs::path& target) {
    try {
        if (!last_result_ || !last_result_->ok()) throw std::runtime_error("there is no processed result to save yet");
        if (service_->busy() && !service_->batch_running())
            throw std::runtime_error("the photo is still being processed with the new settings; save when it is done");
        const auto warnings = save_result(target, last_result_->file, last_result_->after, last_result_->metadata);
        for (const auto& w : warnings) host_logger().warn("studio: {}: {}", target.string(), w);
        host_logger().info("studio: saved {}", target.string());
        status_->setText(tr("Saved %1").arg(qpath(target)));
        return true;
    } catch (const std::exception& e) {
        const ErrorInfo err = save_error(target, e.what());
        host_logger().error("studio: {}", err.text());
        showError(err);
        return false;
    }
}

bool MainWindow::savePipelineTo(const fs::path& file) {
    try {
        std::vector<std::string> dropped;
        const PipelineConfig cfg = registry_->read([&](const PluginRegistry& r) {
            return runnable_config(apply_features(base_config_, bindings_, choices_), r, &dropped);
        });
        save_pipeline_yaml(file, cfg, dropped);
        host_logger().info("studio: pipeline saved to {}", file.string());
        status_->setText(tr("Pipeline saved to %1").arg(qpath(file)));
        return true;
    } catch (const std::exception& e) {
        const ErrorInfo err = save_error(file, e.what());
        host_logger().error("studio: {}", err.text());
        showError(err);
        return false;
    }
}

// ---- dialogs ----

void MainWindow::chooseOpenFile() {
    const QString file = QFileDialog::getOpenFileName(
        this, tr("Open a photo"), qpath(state_.last_folder),
        tr("Images (*.jpg *.jpeg *.png *.webp *.tif *.tiff *.bmp *.JPG *.JPEG *.PNG);;All files (*)"));
    if (!file.isEmpty()) openPath(fspath(file));
}

void MainWindow::chooseOpenFolder() {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a folder of photos"), qpath(state_.last_folder));
    if (!dir.isEmpty()) openPath(fspath(dir));
}

void MainWindow::chooseSaveResult() {
    if (!last_result_ || !last_result_->ok()) return;
    const fs::path suggestion = default_result_name(last_result_->file);
    const QString file = QFileDialog::getSaveFileName(this, tr("Save the result"), qpath(suggestion),
                                                      tr("Images (*.jpg *.jpeg *.png *.webp *.tif *.tiff *.bmp)"));
    if (!file.isEmpty()) saveResultTo(fspath(file));
}

void MainWindow::chooseSavePipeline() {
    const std::string stem = base_config_.file.stem().string();
    const fs::path start = (state_.last_folder.empty() ? fs::current_path() : state_.last_folder) / (stem + "-studio.yaml");
    QString file = QFileDialog::getSaveFileName(this, tr("Save the settings as a pipeline"), qpath(start),
                                                tr("Pipelines (*.yaml *.yml)"));
    if (file.isEmpty()) return;
    if (!file.endsWith(".yaml") && !file.endsWith(".yml")) file += ".yaml";
    savePipelineTo(fspath(file));
}

void MainWindow::chooseApplyToFolder() {
    fs::path input = images_.folder();
    if (input.empty()) {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder of photos to process"), qpath(state_.last_folder));
        if (dir.isEmpty()) return;
        input = fspath(dir);
    }
    const fs::path start = state_.last_output_folder.empty() ? input.parent_path() : state_.last_output_folder;
    const QString out = QFileDialog::getExistingDirectory(
        this, tr("Where to write the results (the folder tree of %1 is mirrored there)").arg(qpath(input)), qpath(start));
    if (out.isEmpty()) return;
    const auto answer = QMessageBox::question(
        this, tr("Apply to folder"),
        tr("Process every photo in\n%1\n(and its subfolders) with the current settings, writing the results to\n%2?\n\n"
           "Input photos are never replaced.")
            .arg(qpath(input), out));
    if (answer == QMessageBox::Yes) applyToFolder(input, fspath(out));
}

void MainWindow::choosePipelineFile() {
    const QString file = QFileDialog::getOpenFileName(this, tr("Choose a pipeline"), qpath(state_.last_folder),
                                                      tr("Pipelines (*.yaml *.yml);;All files (*)"));
    if (file.isEmpty()) {
        fillPipelineList();  // back to the current entry
        return;
    }
    selectPipeline(fspath(file));
}

// ---- banner, actions, settings ----

void MainWindow::showError(const ErrorInfo& error) {
    banner_->setProperty("error", true);
    banner_->setStyleSheet("#banner { background: #fdecea; border: 1px solid #e3a19b; border-radius: 4px; }"
                           "#banner QLabel { color: #5f1d17; }");
    banner_title_->setText(qstr(error.title));
    banner_body_->setText(qstr(error.detail) + "\n\n" + tr("What to do: ") + qstr(error.hint));
    banner_->show();
}

void MainWindow::showNotice(const QString& text) {
    banner_->setProperty("error", false);
    banner_->setStyleSheet("#banner { background: #e8f1fb; border: 1px solid #9dbfe3; border-radius: 4px; }"
                           "#banner QLabel { color: #17345f; }");
    const int nl = text.indexOf('\n');
    banner_title_->setText(nl < 0 ? text : text.left(nl));
    banner_body_->setText(nl < 0 ? QString() : text.mid(nl + 1));
    banner_body_->setVisible(nl >= 0);
    banner_->show();
}

void MainWindow::hideBanner() {
    banner_->hide();
    banner_body_->setVisible(true);
}

bool MainWindow::idle() const { return !debounce_.isActive() && !service_->busy(); }

bool MainWindow::errorVisible() const { return !banner_->isHidden() && banner_->property("error").toBool(); }

QString MainWindow::errorText() const {
    return errorVisible() ? banner_title_->text() + "\n" + banner_body_->text() : QString();
}

QString MainWindow::statusText() const { return status_->text(); }

QCheckBox* MainWindow::featureCheckBox(const std::string& key) const {
    auto it = rows_.find(key);
    return it == rows_.end() ? nullptr : it->second.check;
}

QSlider* MainWindow::featureSlider(const std::string& key) const {
    auto it = rows_.find(key);
    return it == rows_.end() ? nullptr : it->second.slider;
}

QLabel* MainWindow::featureStrengthLabel(const std::string& key) const {
    auto it = rows_.find(key);
    return it == rows_.end() ? nullptr : it->second.strength;
}

QLabel* MainWindow::featureValueLabel(const std::string& key) const {
    auto it = rows_.find(key);
    return it == rows_.end() ? nullptr : it->second.value;
}

void MainWindow::updateActions() {
    const bool has_image = !images_.empty();
    const bool batch = service_->batch_running();
    act_prev_->setEnabled(has_image && images_.index() > 0);
    act_next_->setEnabled(has_image && images_.index() + 1 < images_.size());
    act_process_->setEnabled(has_image && have_pipeline_);
    act_cancel_->setEnabled(service_->busy());
    act_save_->setEnabled(last_result_ && last_result_->ok());
    act_save_pipeline_->setEnabled(have_pipeline_);
    act_apply_->setEnabled(have_pipeline_ && !batch);
    act_zoom_face_->setEnabled(canZoomToFace());
}

void MainWindow::remember() {
    state_.features = choices_;
    settings_.save(state_);
}

void MainWindow::closeEvent(QCloseEvent* e) {
    state_.geometry = saveGeometry();
    remember();
    service_->cancel();
    e->accept();
}

void MainWindow::changeEvent(QEvent* e) {
    QMainWindow::changeEvent(e);
    // Coming back to the window is when a model fetched or converted in a terminal shows up.
    if (e->type() == QEvent::ActivationChange && isActiveWindow() && refreshModelAvailability()) schedulePreview();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
    const auto urls = e->mimeData()->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile()) e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
    const auto urls = e->mimeData()->urls();
    if (urls.isEmpty() || !urls.first().isLocalFile()) return;
    openPath(fspath(urls.first().toLocalFile()));
    e->acceptProposedAction();
}

}  // namespace portrait::studio
