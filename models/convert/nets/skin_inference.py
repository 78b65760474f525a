"""Inference layouts of the ABPN blemish detector and inpainter: the same functions as
DetectionUNet and RetouchingNet, rearranged so LibTorch runs them faster on a CPU.

Three exact rewrites (equal up to float rounding, about 1e-6 on the fixture):
- BatchNorm folded into the convolution before it (eval mode, running statistics).
- A gated convolution's feature and gate convolutions (same input, same shape) become one
  convolution with twice the output channels, split after it.
- Each decoder's conv(cat([up(h), skip])) becomes conv_a(up(h)) + conv_b(skip), the weights
  split along their input channels. The concatenated tensor at full resolution (45 MB in
  bf16 for a 576 tile) is never built: in bf16 channels-last, cat and the layout copies it
  caused took a quarter of the inpainter's time.
Measured on the recipe weights, bf16, channels-last, 2 threads: inpainting 576 tile
0.31 -> 0.23 s, detection 768 0.24 -> 0.20 s (docs/performance.md, "Skin retouching").
forward() takes and returns what the original modules take and return.
"""
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from .skin_detection import DetectionUNet
from .skin_inpainting import RetouchingNet


def _folded(conv: nn.Conv2d, bn: Optional[nn.Module]) -> Tuple[torch.Tensor, torch.Tensor]:
    w = conv.weight.detach()
    b = conv.bias.detach() if conv.bias is not None else torch.zeros(w.shape[0])
    if isinstance(bn, nn.BatchNorm2d):
        s = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
        w = w * s.view(-1, 1, 1, 1)
        b = (b - bn.running_mean) * s + bn.bias.detach()
    return w.clone(), b.clone()


def _conv(w: torch.Tensor, b: Optional[torch.Tensor], stride: int = 1) -> nn.Conv2d:
    k = w.shape[-1]
    c = nn.Conv2d(w.shape[1], w.shape[0], k, stride=stride, padding=k // 2, bias=b is not None)
    c.weight.data = w.contiguous()
    if b is not None:
        c.bias.data = b.contiguous()
    return c


def _phase_kernels(w: torch.Tensor) -> torch.Tensor:
    """The four 2x2 kernels that give a 3x3 convolution of a nearest x2 upsampled image at
    low resolution: output pixel (2i+a, 2j+b) sees low-res rows {i-1, i} (a = 0) or {i, i+1}
    (a = 1), the 3x3 taps that land on the same low-res pixel summed; likewise for columns."""
    rows = [torch.stack([w[:, :, 0], w[:, :, 1] + w[:, :, 2]], 2),
            torch.stack([w[:, :, 0] + w[:, :, 1], w[:, :, 2]], 2)]
    out = []
    for r in rows:
        out.append(torch.stack([r[..., 0], r[..., 1] + r[..., 2]], -1))
        out.append(torch.stack([r[..., 0] + r[..., 1], r[..., 2]], -1))
    return torch.cat(out, 0)  # phases (0,0), (0,1), (1,0), (1,1), each [cout, cin, 2, 2]


class _UpConv(nn.Module):
    """conv3x3(pad 1) of nearest_up2(h), computed at h's resolution: one 2x2 convolution with
    the four phases as output groups, then interleaved. 4/9 of the multiply-adds, and the
    upsampled input is never built."""

    def __init__(self, w: torch.Tensor, b: Optional[torch.Tensor]):
        super().__init__()
        self.c = w.shape[0]
        self.conv = _conv(_phase_kernels(w), None if b is None else b.repeat(4))
        self.conv.padding = (0, 0)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        n, H, W, c = h.shape[0], h.shape[2], h.shape[3], self.c
        y = self.conv(F.pad(h, [1, 1, 1, 1]))  # [n, 4c, H+1, W+1]
        top = torch.stack([y[:, 0:c, :H, :W], y[:, c:2 * c, :H, 1:]], -1).reshape(n, c, H, 2 * W)
        bottom = torch.stack([y[:, 2 * c:3 * c, 1:, :W], y[:, 3 * c:, 1:, 1:]], -1).reshape(n, c, H, 2 * W)
        return torch.stack([top, bottom], 3).reshape(n, c, 2 * H, 2 * W)


class _SplitConv(nn.Module):
    """conv(cat([up(first), second], 1)) computed as conv_a(up(first)) + conv_b(second), where
    `first` comes at half resolution and up is nearest x2: a 3x3 conv_a runs as _UpConv, a 1x1
    conv_a at low resolution before the upsampling (the two commute)."""

    def __init__(self, w: torch.Tensor, b: torch.Tensor, first_channels: int):
        super().__init__()
        self.pointwise = w.shape[-1] == 1
        self.a = _conv(w[:, :first_channels], b) if self.pointwise else _UpConv(w[:, :first_channels], b)
        self.b = _conv(w[:, first_channels:], None)

    def forward(self, first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
        if self.pointwise:
            return _up(self.a(first)) + self.b(second)
        return self.a(first) + self.b(second)


# Both U-Nets: decoder i concatenates [up(h), e_{i-1}], and up(h) has the channels of the
# layer below it (dc_images_{i+1}, or ec_images_6 for i = 6).
_BELOW = {6: 512, 5: 512, 4: 512, 3: 256, 2: 128, 1: 64}


def _up(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2.0, mode='nearest')


def _activation(module: nn.Module) -> int:
    """0 none, 1 ReLU, 2 LeakyReLU(0.2): TorchScript-friendly switch."""
    if isinstance(module, nn.LeakyReLU):
        assert abs(module.negative_slope - 0.2) < 1e-12
        return 2
    return 1 if isinstance(module, nn.ReLU) else 0


def _activate(x: torch.Tensor, kind: int) -> torch.Tensor:
    if kind == 1:
        return F.relu(x)
    if kind == 2:
        return F.leaky_relu(x, 0.2)
    return x


class DetectionForInference(nn.Module):
    # Read by the C++ loader: inference layouts run NCHW (see abpn_networks.hpp).
    portrait_layout: str

    def __init__(self, net: DetectionUNet):
        super().__init__()
        self.portrait_layout = 'inference'
        self.enc = nn.ModuleList()
        for i in range(1, 7):
            m = getattr(net, f'ec_images_{i}')
            self.enc.append(_conv(*_folded(m.conv, m.bn), stride=2))
        # Decoder i takes [up(h), e_{i-1}]; up(h) has the channels of the layer below it.
        self.dec = nn.ModuleList()
        for i in (6, 5, 4, 3, 2):
            m = getattr(net, f'dc_images_{i}')
            self.dec.append(_SplitConv(*_folded(m.conv, m.bn), _BELOW[i]))
        last = net.dc_images_1
        self.last = _SplitConv(last.weight.detach(), last.bias.detach(), _BELOW[1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips: List[torch.Tensor] = [x]
        h = x
        for conv in self.enc:
            h = F.relu(conv(h))
            skips.append(h)
        i = 5
        for dec in self.dec:
            h = F.leaky_relu(dec(h, skips[i]), 0.2)
            i -= 1
        return self.last(h, x)


def _merged_gate(m: nn.Module) -> Tuple[torch.Tensor, torch.Tensor]:
    """A gated layer's feature (BN folded) and gate weights as one convolution's, stacked."""
    w, b = _folded(m.conv, m.bn)
    wg, bg = _folded(m.gate, None)
    return torch.cat([w, wg]), torch.cat([b, bg])


def _gate(y: torch.Tensor, n: int, kind: int) -> torch.Tensor:
    return _activate(y[:, :n], kind) * torch.sigmoid(y[:, n:])


class _GatedPair(nn.Module):
    """A decoder gated conv on (h at half resolution, skip)."""

    def __init__(self, m: nn.Module, first_channels: int):
        super().__init__()
        self.n = m.conv.out_channels
        self.kind = _activation(m.activation)
        self.pair = _SplitConv(*_merged_gate(m), first_channels)

    def forward(self, h: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        return _gate(self.pair(h, skip), self.n, self.kind)


class _GatedSingle(nn.Module):
    """An encoder gated conv."""

    def __init__(self, m: nn.Module):
        super().__init__()
        self.n = m.conv.out_channels
        self.kind = _activation(m.activation)
        self.conv = _conv(*_merged_gate(m), m.conv.stride[0])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _gate(self.conv(x), self.n, self.kind)


class InpaintingForInference(nn.Module):
    portrait_layout: str

    def __init__(self, net: RetouchingNet):
        super().__init__()
        self.portrait_layout = 'inference'
        self.enc = nn.ModuleList([_GatedSingle(getattr(net, f'ec_images_{i}')) for i in range(1, 7)])
        self.dec = nn.ModuleList([_GatedPair(getattr(net, f'dc_images_{i}'), _BELOW[i]) for i in (6, 5, 4, 3, 2, 1)])

    def forward(self, masked_image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = torch.cat([masked_image, mask], dim=1)
        skips: List[torch.Tensor] = [x]
        h = x
        for enc in self.enc:
            h = enc(h)
            skips.append(h)
        i = 5
        for dec in self.dec:
            h = dec(h, skips[i])
            i -= 1
        return torch.tanh(h)
