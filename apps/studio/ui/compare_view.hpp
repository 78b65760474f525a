// Before and after, side by side or in one picture with a split divider. Zoom and pan
// are one transform shared by both sides, so they stay locked together; the face
// overlay (boxes, detector keypoints, mesh) is drawn on both in image coordinates.
#pragma once

#include <vector>

#include <QImage>
#include <QWidget>

#include "portrait/frame.hpp"

namespace portrait::studio {

class CompareView : public QWidget {
    Q_OBJECT
public:
    enum class Mode { SideBySide, Split };

    explicit CompareView(QWidget* parent = nullptr);

    void setBefore(const QImage& image);  // a new photo: fits it and clears the result
    void setAfter(const QImage& image);   // drawn over the before's extent (even if larger)
    void setAfterMessage(const QString& text);  // shown where the result goes while there is none
    void setPlaceholder(const QString& text);   // shown when there is no photo at all
    void setFaces(std::vector<Face> faces);
    void setOverlayVisible(bool on);
    void setMode(Mode mode);
    void setSplit(double fraction);  // 0..1 of the pane width

    Mode mode() const { return mode_; }
    double split() const { return split_; }
    bool overlayVisible() const { return overlay_; }
    const QImage& before() const { return before_; }
    const QImage& after() const { return after_; }
    const std::vector<Face>& faces() const { return faces_; }
    QRectF paneRect(int index) const { return pane(index); }  // pane 0 (left or only), 1 (right)

    // Zoom: 1 = 100% (one image pixel per screen pixel). fit() follows the window size.
    void fit();
    void zoomTo(double scale);                   // keeps the centre
    void zoomAt(double scale, QPointF widget_pos);  // keeps the image point under widget_pos
    // Centres `image_box` and zooms so it fills most of a pane with some room around it
    // (a face with its hair and chin), at most 400%.
    void zoomToBox(const QRectF& image_box);
    bool fitting() const { return fit_; }
    double scale() const;
    QPointF centre() const;           // image point at the centre of each pane
    void panBy(QPointF widget_delta);  // both sides move together

    // Where an image point lands on screen in pane 0 (left) or 1 (right, side by side only).
    QPointF toWidget(QPointF image_point, int pane) const;

Q_SIGNALS:
    void splitChanged(double fraction);
    void zoomChanged(double scale, bool fitting);

protected:
    void paintEvent(QPaintEvent*) override;
    void wheelEvent(QWheelEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    void mouseReleaseEvent(QMouseEvent*) override;
    void mouseDoubleClickEvent(QMouseEvent*) override;
    void resizeEvent(QResizeEvent*) override;

private:
    QRectF pane(int index) const;
    int paneAt(QPointF pos) const;
    double fitScale() const;
    QPointF toImage(QPointF widget_pos, int pane) const;
    void drawImage(QPainter& p, const QImage& img, const QRectF& target_pane, const QRectF& clip, int which);
    void drawOverlay(QPainter& p, const QRectF& pane_rect, const QRectF& clip);
    void drawLabel(QPainter& p, const QRectF& pane_rect, const QString& text, bool right);
    const QImage& scaledFor(const QImage& img, int which, double s);
    bool nearDivider(QPointF pos) const;
    void clampCentre();

    QImage before_, after_;
    QString after_message_, placeholder_;
    std::vector<Face> faces_;
    bool overlay_ = false;
    Mode mode_ = Mode::SideBySide;
    double split_ = 0.5;
    bool fit_ = true;
    double scale_ = 1.0;
    QPointF centre_;
    // Drag state.
    enum class Drag { None, Pan, Divider } drag_ = Drag::None;
    QPointF last_pos_;
    // Downscaled copies for drawing below 100% (smooth and fast on large photos).
    QImage cache_[2];
    double cache_scale_[2] = {0, 0};
    qint64 cache_key_[2] = {0, 0};
};

}  // namespace portrait::studio
