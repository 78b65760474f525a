"""GPEN FullGenerator as the ModelScope code runs it (../shared/docs/gpen.md §2), for benchmarking.

The benchmark baseline next to nets/gpen.py: the same checkpoints load natively (real
Sequential/ModuleList nesting gives the checkpoint names), and forward follows the original's
arithmetic on its pure-PyTorch path (§2.5): upfirdn2d as zero insertion, padding, a
single-channel conv with the flipped kernel and slicing; fused leaky ReLU as
leaky_relu(x + b) * sqrt(2); per-sample weight modulation with a grouped conv (groups = batch);
the x2 modulated conv as conv_transpose2d then a blur. NCHW, fp32. forward returns the image
only (the original returns (image, None), which a trace cannot carry).
"""
import math
from typing import List, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from . import gpen
from .gpen import channel_table

BLUR = [1.0, 3.0, 3.0, 1.0]


def fir_kernel(gain: float = 1.0) -> torch.Tensor:
    k = torch.tensor(BLUR)
    k = k[None, :] * k[:, None]
    return k / k.sum() * gain


def upfirdn2d(x: torch.Tensor, kernel: torch.Tensor, up: int = 1, down: int = 1,
              pad: Tuple[int, int] = (0, 0)) -> torch.Tensor:
    """Zero-stuff by `up`, pad by `pad` on both axes (negative crops), correlate every channel
    with the flipped kernel, keep every `down`-th sample."""
    n, c, h, w = x.shape
    p0, p1 = pad
    y = x.reshape(n * c, 1, h, 1, w, 1)
    y = F.pad(y, [0, up - 1, 0, 0, 0, up - 1]).reshape(n * c, 1, h * up, w * up)
    y = F.pad(y, [p0, p1, p0, p1])
    y = F.conv2d(y, torch.flip(kernel, [0, 1]).view(1, 1, kernel.shape[0], kernel.shape[1]))
    y = y[:, :, ::down, ::down]
    return y.reshape(n, c, y.shape[2], y.shape[3])


def fused_leaky_relu(x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    shape = [1, -1] + [1] * (x.dim() - 2)
    return F.leaky_relu(x + bias.view(shape), 0.2) * math.sqrt(2.0)


class FusedLeakyReLU(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        return fused_leaky_relu(x, self.bias)


class PixelNorm(nn.Module):
    def forward(self, x):
        return x * torch.rsqrt(torch.mean(x ** 2, dim=1, keepdim=True) + 1e-8)


class EqualLinear(nn.Module):
    def __init__(self, in_dim: int, out_dim: int, lr_mul: float = 1.0, activation: bool = False):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(out_dim, in_dim))
        self.bias = nn.Parameter(torch.zeros(out_dim))
        self.scale = lr_mul / math.sqrt(in_dim)
        self.lr_mul = lr_mul
        self.activation = activation

    def forward(self, x):
        if self.activation:
            return fused_leaky_relu(F.linear(x, self.weight * self.scale), self.bias * self.lr_mul)
        return F.linear(x, self.weight * self.scale, self.bias * self.lr_mul)


class Blur(nn.Module):
    def __init__(self, pad: Tuple[int, int], gain: float = 1.0):
        super().__init__()
        self.register_buffer('kernel', fir_kernel(gain))
        self.pad = pad

    def forward(self, x):
        return upfirdn2d(x, self.kernel, pad=self.pad)


class Upsample(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer('kernel', fir_kernel(4.0))

    def forward(self, x):
        return upfirdn2d(x, self.kernel, up=2, pad=(2, 1))


class EqualConv2d(nn.Module):
    """Without bias: in GPEN every EqualConv2d is followed by the FusedLeakyReLU that holds it."""

    def __init__(self, in_ch: int, out_ch: int, k: int, stride: int = 1, padding: int = 0):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(out_ch, in_ch, k, k))
        self.scale = 1.0 / math.sqrt(in_ch * k * k)
        self.stride = stride
        self.padding = padding

    def forward(self, x):
        return F.conv2d(x, self.weight * self.scale, None, stride=self.stride, padding=self.padding)


class ConvLayer(nn.Sequential):
    """[Blur(2,2), conv stride 2, act] when downsampling, else [conv, act] (checkpoint indices)."""

    def __init__(self, in_ch: int, out_ch: int, k: int, downsample: bool = False):
        layers: List[nn.Module] = []
        if downsample:
            layers += [Blur((2, 2)), EqualConv2d(in_ch, out_ch, k, stride=2)]
        else:
            layers += [EqualConv2d(in_ch, out_ch, k, padding=k // 2)]
        super().__init__(*layers, FusedLeakyReLU(out_ch))


class ModulatedConv2d(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, k: int, style_dim: int, demodulate: bool = True,
                 upsample: bool = False):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1, out_ch, in_ch, k, k))
        # registration order = checkpoint order: weight, blur, modulation
        if upsample:
            self.blur = Blur((1, 1), gain=4.0)
        self.modulation = EqualLinear(style_dim, in_ch)
        self.scale = 1.0 / math.sqrt(in_ch * k * k)
        self.in_ch, self.out_ch, self.k = in_ch, out_ch, k
        self.demodulate = demodulate
        self.upsample = upsample

    def forward(self, x, style):
        n, _, h, w = x.shape
        s = self.modulation(style).view(n, 1, self.in_ch, 1, 1)
        wt = self.scale * self.weight * s
        if self.demodulate:
            wt = wt * torch.rsqrt(wt.pow(2).sum([2, 3, 4]) + 1e-8).view(n, self.out_ch, 1, 1, 1)
        x = x.reshape(1, n * self.in_ch, h, w)
        if self.upsample:
            # per sample [in, out, k, k] for the transposed conv: H -> 2H+1, then blur to 2H
            wt = wt.transpose(1, 2).reshape(n * self.in_ch, self.out_ch, self.k, self.k)
            y = F.conv_transpose2d(x, wt, stride=2, padding=0, groups=n)
            return self.blur(y.reshape(n, self.out_ch, y.shape[2], y.shape[3]))
        y = F.conv2d(x, wt.reshape(n * self.out_ch, self.in_ch, self.k, self.k), padding=self.k // 2, groups=n)
        return y.reshape(n, self.out_ch, y.shape[2], y.shape[3])


class NoiseInjection(nn.Module):
    """isconcat: the 'noise' is always an encoder feature in GPEN, so no random branch."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, x, noise):
        return torch.cat([x, self.weight * noise], dim=1)


class StyledConv(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, k: int, style_dim: int, upsample: bool = False):
        super().__init__()
        self.conv = ModulatedConv2d(in_ch, out_ch, k, style_dim, upsample=upsample)
        self.noise = NoiseInjection()
        self.activate = FusedLeakyReLU(2 * out_ch)

    def forward(self, x, style, noise):
        return self.activate(self.noise(self.conv(x, style), noise))


class ToRGB(nn.Module):
    def __init__(self, in_ch: int, style_dim: int, upsample: bool = True):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(1, 3, 1, 1))
        if upsample:
            self.upsample = Upsample()
        self.conv = ModulatedConv2d(in_ch, 3, 1, style_dim, demodulate=False)

    def forward(self, x, style, skip=None):
        out = self.conv(x, style) + self.bias
        if skip is not None:
            out = out + self.upsample(skip)
        return out


class ConstantInput(gpen.ConstantInput):
    def forward(self, n: int):
        return self.input.repeat(n, 1, 1, 1)


class Generator(nn.Module):
    def __init__(self, size: int, style_dim: int, n_mlp: int, ch: dict, lr_mlp: float = 0.01):
        super().__init__()
        self.style = nn.Sequential(PixelNorm(), *[EqualLinear(style_dim, style_dim, lr_mlp, activation=True)
                                                   for _ in range(n_mlp)])
        self.input = ConstantInput(ch[4])
        self.conv1 = StyledConv(ch[4], ch[4], 3, style_dim)
        self.to_rgb1 = ToRGB(2 * ch[4], style_dim, upsample=False)
        self.convs = nn.ModuleList()
        self.to_rgbs = nn.ModuleList()
        for i in range(3, int(math.log2(size)) + 1):
            r = 2 ** i
            self.convs.append(StyledConv(2 * ch[r // 2], ch[r], 3, style_dim, upsample=True))
            self.convs.append(StyledConv(2 * ch[r], ch[r], 3, style_dim))
            self.to_rgbs.append(ToRGB(2 * ch[r], style_dim))
        self.n_latent = 2 * int(math.log2(size)) - 2

    def forward(self, z, noise: List[torch.Tensor]):
        # input_is_latent=False and a single style: w repeated over every layer
        latent = self.style(z).unsqueeze(1).repeat(1, self.n_latent, 1)
        out = self.conv1(self.input(z.shape[0]), latent[:, 0], noise[0])
        skip = self.to_rgb1(out, latent[:, 1])
        i = 1
        for up, conv, to_rgb, n1, n2 in zip(self.convs[::2], self.convs[1::2], self.to_rgbs,
                                            noise[1::2], noise[2::2]):
            out = up(out, latent[:, i], n1)
            out = conv(out, latent[:, i + 1], n2)
            skip = to_rgb(out, latent[:, i + 2], skip)
            i += 2
        return skip


class OriginalFullGenerator(nn.Module):
    def __init__(self, size: int, style_dim: int = 512, n_mlp: int = 8, channel_multiplier: float = 2,
                 narrow: float = 1.0):
        super().__init__()
        ch = channel_table(size, channel_multiplier, narrow)
        self.log_size = int(math.log2(size))
        if 2 ** self.log_size != size or size < 8:
            raise ValueError(f'GPEN size must be a power of two >= 8, got {size}')
        self.generator = Generator(size, style_dim, n_mlp, ch)
        self.ecd0 = nn.Sequential(ConvLayer(3, ch[size], 1))
        for i in range(1, self.log_size - 1):
            r = size >> (i - 1)
            setattr(self, f'ecd{i}', nn.Sequential(ConvLayer(ch[r], ch[r // 2], 3, downsample=True)))
        self.final_linear = nn.Sequential(EqualLinear(ch[4] * 16, style_dim, activation=True))

    def forward(self, x):
        feats = []
        for i in range(self.log_size - 1):
            x = getattr(self, f'ecd{i}')(x)
            feats.append(x)
        z = self.final_linear(x.reshape(x.shape[0], -1))
        # each feature twice, coarsest first, minus the first: [4, 8, 8, ..., S, S]
        noise = [f for f in reversed(feats) for _ in range(2)][1:]
        return self.generator(z, noise)
