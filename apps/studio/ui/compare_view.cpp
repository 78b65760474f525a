#include "compare_view.hpp"

#include <algorithm>
#include <cmath>

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QWheelEvent>

namespace portrait::studio {

namespace {
constexpr double kGap = 6;          // between the two panes
constexpr double kMinScale = 0.02;  // 2%
constexpr double kMaxScale = 32.0;  // 3200%
constexpr double kDividerGrab = 8;  // pixels either side of the split line
constexpr double kBoxRoom = 1.6;    // zoomToBox: the box takes 1/1.6 of the pane
constexpr double kBoxMaxScale = 4.0;  // a tiny face is not blown up past 400%
}  // namespace

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setMinimumSize(320, 240);
    setFocusPolicy(Qt::StrongFocus);
    setAttribute(Qt::WA_OpaquePaintEvent);
}

void CompareView::setBefore(const QImage& image) {
    const bool same_size = !before_.isNull() && image.size() == before_.size();
    before_ = image;
    after_ = QImage();
    faces_.clear();
    cache_key_[0] = cache_key_[1] = 0;
    if (!same_size) fit_ = true;  // a series of same-size photos keeps its zoom and place
    clampCentre();
    update();
}

void CompareView::setAfter(const QImage& image) {
    after_ = image;
    cache_key_[1] = 0;
    update();
}

void CompareView::setAfterMessage(const QString& text) {
    after_message_ = text;
    update();
}

void CompareView::setPlaceholder(const QString& text) {
    placeholder_ = text;
    update();
}

void CompareView::setFaces(std::vector<Face> faces) {
    faces_ = std::move(faces);
    update();
}

void CompareView::setOverlayVisible(bool on) {
    overlay_ = on;
    update();
}

void CompareView::setMode(Mode mode) {
    if (mode_ == mode) return;
    // Keep the image point at the centre; the pane size changes, so a fitted view refits.
    mode_ = mode;
    clampCentre();
    update();
}

void CompareView::setSplit(double fraction) {
    split_ = std::clamp(fraction, 0.0, 1.0);
    update();
}

QRectF CompareView::pane(int index) const {
    const QRectF r = rect();
    if (mode_ == Mode::Split) return r;
    const double w = (r.width() - kGap) / 2;
    return index == 0 ? QRectF(r.left(), r.top(), w, r.height())
                      : QRectF(r.left() + w + kGap, r.top(), w, r.height());
}

int CompareView::paneAt(QPointF pos) const {
    return mode_ == Mode::SideBySide && pos.x() >= pane(1).left() ? 1 : 0;
}

double CompareView::fitScale() const {
    if (before_.isNull()) return 1.0;
    const QRectF p = pane(0);
    return std::max(kMinScale, std::min(p.width() / before_.width(), p.height() / before_.height()));
}

double CompareView::scale() const { return fit_ ? fitScale() : scale_; }

QPointF CompareView::centre() const {
    if (fit_ || before_.isNull()) return QPointF(before_.width() / 2.0, before_.height() / 2.0);
    return centre_;
}

QPointF CompareView::toWidget(QPointF image_point, int index) const {
    return pane(index).center() + (image_point - centre()) * scale();
}

QPointF CompareView::toImage(QPointF widget_pos, int index) const {
    return centre() + (widget_pos - pane(index).center()) / scale();
}

void CompareView::fit() {
    fit_ = true;
    update();
    Q_EMIT zoomChanged(scale(), true);
}

void CompareView::zoomTo(double s) { zoomAt(s, pane(0).center()); }

void CompareView::zoomAt(double s, QPointF widget_pos) {
    if (before_.isNull()) return;
    const int index = paneAt(widget_pos);
    const QPointF anchor = toImage(widget_pos, index);
    scale_ = std::clamp(s, kMinScale, kMaxScale);
    fit_ = false;
    centre_ = anchor - (widget_pos - pane(index).center()) / scale_;
    clampCentre();
    update();
    Q_EMIT zoomChanged(scale_, false);
}

void CompareView::zoomToBox(const QRectF& box) {
    if (before_.isNull() || box.isEmpty()) return;
    const QRectF p = pane(0);
    scale_ = std::clamp(std::min(p.width() / (box.width() * kBoxRoom), p.height() / (box.height() * kBoxRoom)),
                        kMinScale, kBoxMaxScale);
    fit_ = false;
    centre_ = box.center();
    clampCentre();
    update();
    Q_EMIT zoomChanged(scale_, false);
}

void CompareView::panBy(QPointF delta) {
    if (before_.isNull()) return;
    if (fit_) {
        centre_ = centre();
        scale_ = fitScale();
        fit_ = false;
    }
    centre_ -= delta / scale_;
    clampCentre();
    update();
}

void CompareView::clampCentre() {
    if (before_.isNull()) return;
    centre_.setX(std::clamp(centre_.x(), 0.0, double(before_.width())));
    centre_.setY(std::clamp(centre_.y(), 0.0, double(before_.height())));
}

const QImage& CompareView::scaledFor(const QImage& img, int which, double s) {
    const QSize size(std::max(1, int(std::lround(img.width() * s))), std::max(1, int(std::lround(img.height() * s))));
    if (cache_key_[which] != img.cacheKey() || cache_[which].size() != size) {
        cache_[which] = img.scaled(size, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
        cache_key_[which] = img.cacheKey();
        cache_scale_[which] = s;
    }
    return cache_[which];
}

void CompareView::drawImage(QPainter& p, const QImage& img, const QRectF& pane_rect, const QRectF& clip, int which) {
    if (img.isNull() || clip.isEmpty()) return;
    const double s = scale();
    // The result is drawn over the input's extent, even when a stage enlarged it.
    const QRectF target(pane_rect.center() - centre() * s, QSizeF(before_.width() * s, before_.height() * s));
    p.save();
    p.setClipRect(clip);
    const double sx = target.width() / img.width();
    if (sx < 0.999) {
        const QImage& small = scaledFor(img, which, sx);
        p.drawImage(target.topLeft(), small);
    } else {
        // At or above 100%: only the visible part is sampled; from 200% on, sharp pixels
        // (pixel peeping), below that smooth (a small photo fitted to a large window).
        const QRectF visible = target.intersected(clip);
        if (!visible.isEmpty()) {
            const QRectF source((visible.left() - target.left()) / sx, (visible.top() - target.top()) / sx,
                                visible.width() / sx, visible.height() / sx);
            p.setRenderHint(QPainter::SmoothPixmapTransform, sx < 2.0);
            p.drawImage(visible, img, source);
        }
    }
    p.restore();
}

void CompareView::drawOverlay(QPainter& p, const QRectF& pane_rect, const QRectF& clip) {
    if (!overlay_ || faces_.empty()) return;
    const double s = scale();
    const QPointF c = centre();
    auto map = [&](float x, float y) { return pane_rect.center() + (QPointF(x, y) - c) * s; };
    p.save();
    p.setClipRect(clip);
    p.setRenderHint(QPainter::Antialiasing, true);
    for (const Face& f : faces_) {
        // Mesh: small dots, dense enough to read the face's shape.
        if (!f.landmarks.empty()) {
            QPen mesh(QColor(80, 220, 255, 200));
            mesh.setWidthF(std::clamp(s * 1.5, 1.5, 4.0));
            mesh.setCapStyle(Qt::RoundCap);
            p.setPen(mesh);
            std::vector<QPointF> pts;
            pts.reserve(f.landmarks.size());
            for (const auto& q : f.landmarks) pts.push_back(map(q.x, q.y));
            p.drawPoints(pts.data(), int(pts.size()));
        }
        QPen box(QColor(60, 230, 90));
        box.setWidthF(2.0);
        p.setPen(box);
        p.setBrush(Qt::NoBrush);
        p.drawRect(QRectF(map(f.box.x, f.box.y), map(f.box.x + f.box.width, f.box.y + f.box.height)));
        p.setPen(QPen(QColor(255, 120, 40), 1.5));
        p.setBrush(QColor(255, 120, 40));
        for (const auto& k : f.keypoints) p.drawEllipse(map(k.x, k.y), 3.0, 3.0);
        if (f.score > 0) {
            p.setPen(QColor(60, 230, 90));
            p.drawText(map(f.box.x, f.box.y) + QPointF(2, -4), QString::number(double(f.score), 'f', 2));
        }
    }
    p.restore();
}

void CompareView::drawLabel(QPainter& p, const QRectF& pane_rect, const QString& text, bool right) {
    const QFontMetrics fm(font());
    const QSizeF size(fm.horizontalAdvance(text) + 14, fm.height() + 6);
    const QPointF at = right ? QPointF(pane_rect.right() - size.width() - 8, pane_rect.top() + 8)
                             : QPointF(pane_rect.left() + 8, pane_rect.top() + 8);
    const QRectF r(at, size);
    p.save();
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(0, 0, 0, 150));
    p.drawRoundedRect(r, 4, 4);
    p.setPen(Qt::white);
    p.drawText(r, Qt::AlignCenter, text);
    p.restore();
}

void CompareView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), QColor(43, 43, 46));
    p.setRenderHint(QPainter::SmoothPixmapTransform, true);
    if (before_.isNull()) {
        p.setPen(QColor(190, 190, 195));
        p.drawText(rect().adjusted(20, 20, -20, -20), Qt::AlignCenter | Qt::TextWordWrap, placeholder_);
        return;
    }
    auto message_in = [&](const QRectF& r) {
        p.setPen(QColor(210, 210, 215));
        p.drawText(r.adjusted(16, 16, -16, -16), Qt::AlignCenter | Qt::TextWordWrap, after_message_);
    };
    if (mode_ == Mode::SideBySide) {
        const QRectF a = pane(0), b = pane(1);
        p.fillRect(QRectF(a.right(), a.top(), kGap, a.height()), QColor(25, 25, 28));
        drawImage(p, before_, a, a, 0);
        drawOverlay(p, a, a);
        drawLabel(p, a, tr("Before"), false);
        if (after_.isNull()) {
            message_in(b);
        } else {
            drawImage(p, after_, b, b, 1);
            drawOverlay(p, b, b);
        }
        drawLabel(p, b, tr("After"), false);
        return;
    }
    const QRectF a = pane(0);
    const double x = a.left() + split_ * a.width();
    const QRectF left(a.left(), a.top(), x - a.left(), a.height());
    const QRectF right(x, a.top(), a.right() - x, a.height());
    drawImage(p, before_, a, left, 0);
    if (after_.isNull()) {
        drawImage(p, before_, a, right, 0);
        p.fillRect(right, QColor(0, 0, 0, 110));
        message_in(right);
    } else {
        drawImage(p, after_, a, right, 1);
    }
    drawOverlay(p, a, a);
    p.save();
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setPen(QPen(QColor(255, 255, 255, 220), 2));
    p.drawLine(QPointF(x, a.top()), QPointF(x, a.bottom()));
    p.setBrush(QColor(255, 255, 255, 230));
    p.setPen(QPen(QColor(40, 40, 40), 1));
    const QPointF mid(x, a.center().y());
    p.drawEllipse(mid, 11, 11);
    p.setPen(QPen(QColor(40, 40, 40), 2));
    p.drawLine(mid + QPointF(-5, 0), mid + QPointF(-2, -3));
    p.drawLine(mid + QPointF(-5, 0), mid + QPointF(-2, 3));
    p.drawLine(mid + QPointF(5, 0), mid + QPointF(2, -3));
    p.drawLine(mid + QPointF(5, 0), mid + QPointF(2, 3));
    p.restore();
    drawLabel(p, a, tr("Before"), false);
    drawLabel(p, a, tr("After"), true);
}

bool CompareView::nearDivider(QPointF pos) const {
    if (mode_ != Mode::Split || before_.isNull()) return false;
    const QRectF a = pane(0);
    return std::abs(pos.x() - (a.left() + split_ * a.width())) <= kDividerGrab;
}

void CompareView::wheelEvent(QWheelEvent* e) {
    const double steps = e->angleDelta().y() / 120.0;
    if (steps == 0 || before_.isNull()) return;
    zoomAt(scale() * std::pow(1.25, steps), e->position());
    e->accept();
}

void CompareView::mousePressEvent(QMouseEvent* e) {
    if (e->button() != Qt::LeftButton || before_.isNull()) return;
    drag_ = nearDivider(e->position()) ? Drag::Divider : Drag::Pan;
    last_pos_ = e->position();
    setCursor(drag_ == Drag::Divider ? Qt::SplitHCursor : Qt::ClosedHandCursor);
}

void CompareView::mouseMoveEvent(QMouseEvent* e) {
    const QPointF pos = e->position();
    if (drag_ == Drag::Divider) {
        const QRectF a = pane(0);
        setSplit((pos.x() - a.left()) / a.width());
        Q_EMIT splitChanged(split_);
    } else if (drag_ == Drag::Pan) {
        panBy(pos - last_pos_);
        last_pos_ = pos;
    } else {
        setCursor(nearDivider(pos) ? Qt::SplitHCursor : Qt::ArrowCursor);
    }
}

void CompareView::mouseReleaseEvent(QMouseEvent*) {
    drag_ = Drag::None;
    unsetCursor();
}

void CompareView::mouseDoubleClickEvent(QMouseEvent* e) {
    if (before_.isNull()) return;
    if (fit_) zoomAt(1.0, e->position());
    else fit();
}

void CompareView::resizeEvent(QResizeEvent*) { clampCentre(); }

}  // namespace portrait::studio
