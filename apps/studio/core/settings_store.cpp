#include "settings_store.hpp"

#include <algorithm>

#include <QSettings>
#include <QStandardPaths>
#include <QStringList>

namespace portrait::studio {

namespace {

QString qpath(const std::filesystem::path& p) { return QString::fromStdString(p.string()); }
std::filesystem::path fspath(const QString& s) { return std::filesystem::path(s.toStdString()); }

}  // namespace

QString SettingsStore::default_file() {
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) + "/portrait/studio.ini";
}

SettingsStore::SettingsStore(QString file) : file_(file.isEmpty() ? default_file() : std::move(file)) {}

StudioState SettingsStore::load() const {
    QSettings s(file_, QSettings::IniFormat);
    StudioState st;
    st.pipeline = fspath(s.value("pipeline/file").toString());
    for (const auto& p : s.value("pipeline/user_files").toStringList()) st.user_pipelines.push_back(fspath(p));
    s.beginGroup("features");
    for (const auto& key : s.childGroups()) {
        s.beginGroup(key);
        FeatureChoice c;
        c.enabled = s.value("enabled", false).toBool();
        c.strength = s.value("strength", 0.0).toDouble();
        st.features[key.toStdString()] = c;
        s.endGroup();
    }
    s.endGroup();
    st.last_folder = fspath(s.value("paths/last_folder").toString());
    st.last_output_folder = fspath(s.value("paths/last_output_folder").toString());
    st.view_mode = s.value("view/mode", "side").toString();
    if (st.view_mode != "split") st.view_mode = "side";
    st.overlay = s.value("view/overlay", false).toBool();
    st.split = std::clamp(s.value("view/split", 0.5).toDouble(), 0.0, 1.0);
    st.geometry = s.value("window/geometry").toByteArray();
    return st;
}

void SettingsStore::save(const StudioState& st) const {
    QSettings s(file_, QSettings::IniFormat);
    s.setValue("pipeline/file", qpath(st.pipeline));
    QStringList users;
    for (const auto& p : st.user_pipelines) users << qpath(p);
    s.setValue("pipeline/user_files", users);
    s.remove("features");
    for (const auto& [key, c] : st.features) {
        const QString group = "features/" + QString::fromStdString(key);
        s.setValue(group + "/enabled", c.enabled);
        s.setValue(group + "/strength", c.strength);
    }
    s.setValue("paths/last_folder", qpath(st.last_folder));
    s.setValue("paths/last_output_folder", qpath(st.last_output_folder));
    s.setValue("view/mode", st.view_mode);
    s.setValue("view/overlay", st.overlay);
    s.setValue("view/split", st.split);
    if (!st.geometry.isEmpty()) s.setValue("window/geometry", st.geometry);
    s.sync();
}

}  // namespace portrait::studio
