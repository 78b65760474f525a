// Portrait Studio's window: open a photo or a folder, tick the features, compare, save.
// The logic lives in core/ (features, pipeline building, processing service, settings);
// this class wires widgets to it.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <vector>

#include <QMainWindow>
#include <QTimer>

#include "../core/features.hpp"
#include "../core/image_list.hpp"
#include "../core/processing_service.hpp"
#include "../core/settings_store.hpp"
#include "../core/studio_pipeline.hpp"

class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QProgressBar;
class QSlider;
class QPushButton;
class QFrame;

namespace portrait::studio {

class CompareView;

struct WindowOptions {
    std::vector<FeatureSpec> features = default_features();
    QString settings_file;             // empty: the user's studio.ini
    std::filesystem::path pipeline;    // empty: the remembered one, else pipelines/default.yaml
    std::shared_ptr<SharedRegistry> registry;  // null: load the default plugin folders
    int debounce_ms = 250;             // wait after a slider move before processing
};

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(WindowOptions options = {}, QWidget* parent = nullptr);
    ~MainWindow() override;

    // What the menus and buttons do, callable without dialogs (tests, command line).
    bool openPath(const std::filesystem::path& path);
    bool selectPipeline(const std::filesystem::path& file);  // the file's own feature values
    void nextImage();
    void previousImage();
    void processNow();  // (re)process the current photo with the current settings
    // Zooms the view onto the next face of the photo (the first on the first press),
    // finding the faces first when the photo has not been looked at for them.
    void zoomToFace();
    // Asks the model locator again which features' models are there (the user may have
    // fetched or converted one meanwhile); true when a feature changed availability.
    bool refreshModelAvailability();
    bool saveResultTo(const std::filesystem::path& target);
    bool savePipelineTo(const std::filesystem::path& file);
    bool applyToFolder(const std::filesystem::path& input, const std::filesystem::path& output);
    void cancel();

    // State, for tests and the screenshot.
    PipelineConfig currentConfig() const;  // what runs for the current settings
    ProcessingService& service() { return *service_; }
    PreviewResultPtr lastResult() const { return last_result_; }
    std::uint64_t wantedSerial() const { return wanted_serial_; }
    QCheckBox* featureCheckBox(const std::string& key) const;
    QSlider* featureSlider(const std::string& key) const;
    QLabel* featureStrengthLabel(const std::string& key) const;  // the "strength" caption
    QLabel* featureValueLabel(const std::string& key) const;     // the slider's number
    int faceIndex() const { return face_index_; }  // the face zoomed to last; -1 none
    CompareView* compareView() const { return view_; }
    bool idle() const;  // nothing scheduled, nothing running
    bool errorVisible() const;
    QString errorText() const;
    QString statusText() const;
    const ImageList& images() const { return images_; }
    const std::vector<FeatureBinding>& bindings() const { return bindings_; }

protected:
    void closeEvent(QCloseEvent*) override;
    void changeEvent(QEvent*) override;
    void dragEnterEvent(QDragEnterEvent*) override;
    void dropEvent(QDropEvent*) override;

private:
    struct FeatureRow {
        QCheckBox* check = nullptr;
        QSlider* slider = nullptr;
        QLabel* strength = nullptr;
        QLabel* value = nullptr;
    };
    std::vector<FeatureBinding> bindFeatures() const;
    void buildUi();
    void buildActions();
    void fillPipelineList();
    void refreshFeatureRows();
    void schedulePreview();
    void requestPreview(bool with_faces = false);
    bool canZoomToFace() const;
    void showImageInfo();
    void updateActions();
    void remember();
    void showError(const ErrorInfo& error);
    void showNotice(const QString& text);
    void hideBanner();
    double sliderToValue(const FeatureBinding& b, int pos) const;
    int valueToSlider(const FeatureBinding& b, double v) const;

    void onImageLoaded(PreviewResultPtr r);
    void onPreviewDone(PreviewResultPtr r);
    void onBusyChanged(bool busy);
    void onBatchStarted(int total);
    void onBatchProgress(int done, int total);
    void onBatchDone(FolderResultPtr r);

    void chooseOpenFile();
    void chooseOpenFolder();
    void chooseSaveResult();
    void chooseSavePipeline();
    void chooseApplyToFolder();
    void choosePipelineFile();

    WindowOptions options_;
    SettingsStore settings_;
    StudioState state_;
    std::shared_ptr<SharedRegistry> registry_;
    std::unique_ptr<ProcessingService> service_;
    ImageList images_;
    PipelineConfig base_config_;  // the pipeline file as loaded
    bool have_pipeline_ = false;
    std::vector<FeatureBinding> bindings_;
    FeatureChoices choices_;
    std::map<std::string, FeatureRow> rows_;
    PreviewResultPtr last_result_;
    std::uint64_t wanted_serial_ = 0;
    bool cancelling_ = false;
    // Faces of one photo, from the face probe: for zoom-to-face and the overlay.
    std::filesystem::path face_file_;  // the photo they belong to; empty: none looked for
    std::vector<Face> faces_;
    std::string faces_note_;           // why there are none, when the probe says
    int face_index_ = -1;
    bool zoom_face_pending_ = false;   // zoom once the faces arrive
    QTimer debounce_;

    CompareView* view_ = nullptr;
    QComboBox* pipeline_combo_ = nullptr;
    QLabel* pipeline_note_ = nullptr;
    QLabel* features_note_ = nullptr;
    QComboBox* mode_combo_ = nullptr;
    QCheckBox* overlay_check_ = nullptr;
    QLabel* info_ = nullptr;
    QLabel* status_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QFrame* banner_ = nullptr;
    QLabel* banner_title_ = nullptr;
    QLabel* banner_body_ = nullptr;
    QAction* act_open_ = nullptr;
    QAction* act_open_folder_ = nullptr;
    QAction* act_prev_ = nullptr;
    QAction* act_next_ = nullptr;
    QAction* act_process_ = nullptr;
    QAction* act_save_ = nullptr;
    QAction* act_save_pipeline_ = nullptr;
    QAction* act_apply_ = nullptr;
    QAction* act_cancel_ = nullptr;
    QAction* act_fit_ = nullptr;
    QAction* act_100_ = nullptr;
    QAction* act_zoom_face_ = nullptr;
};

}  // namespace portrait::studio
