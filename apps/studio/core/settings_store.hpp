// What the studio remembers between launches, in an INI file
// ($XDG_CONFIG_HOME or ~/.config)/portrait/studio.ini.
#pragma once

#include <filesystem>
#include <vector>

#include <QByteArray>
#include <QString>

#include "studio_pipeline.hpp"

namespace portrait::studio {

struct StudioState {
    std::filesystem::path pipeline;                     // last pipeline file
    std::vector<std::filesystem::path> user_pipelines;  // added with "Other pipeline..."
    FeatureChoices features;                            // last checkbox and slider values
    std::filesystem::path last_folder;                  // where Open starts
    std::filesystem::path last_output_folder;           // where "Apply to folder" wrote
    QString view_mode = "side";                         // "side" or "split"
    bool overlay = false;
    double split = 0.5;                                 // split divider, 0..1 of the width
    QByteArray geometry;                                // window geometry (QWidget::saveGeometry)
};

class SettingsStore {
public:
    // `file` empty: the user's studio.ini.
    explicit SettingsStore(QString file = {});
    StudioState load() const;
    void save(const StudioState& state) const;
    const QString& file_name() const { return file_; }
    static QString default_file();

private:
    QString file_;
};

}  // namespace portrait::studio
