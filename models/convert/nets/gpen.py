"""GPEN FullGenerator (StyleGAN2 decoder fed by an encoder), rebuilt from ../shared/docs/gpen.md §2.

`FullGenerator(...).state_dict()` has exactly the keys, shapes and order of the original
checkpoints (ModelScope `pytorch_model.pt`, official GPEN-BFR-*), and `load_state_dict` takes
them. Internally the layers are grouped so that TorchScript can loop over them (it cannot index
ModuleLists with computed indices); two state-dict hooks translate between the two namings.

forward(x [N,3,S,S] RGB in [-1,1]) -> [N,3,S,S] raw output (no clamp), the function of the
original with its pure-PyTorch ops (spec §2.5). What differs is only arithmetic order, all exact
up to float rounding:
- upfirdn2d is replaced by plain depthwise convs (blurs) and a sub-pixel depthwise conv plus
  pixel_shuffle (the RGB skip upsampling), spec §2.5;
- the modulated stride-2 transposed conv runs as four sub-pixel convs (same multiply-adds),
  because LibTorch 1.13 has no oneDNN transposed conv;
- the sqrt(2) gain of every fused leaky ReLU is moved into the weights of the layers that read
  that activation (all linear in their input), saving one full-resolution pass per layer;
- activation biases are added by the conv itself (or by the blur conv after an upsample), and
  both halves of each noise concatenation are written in place into one buffer;
- demodulation uses sum((s*W)^2) = s^2 @ sum(W^2); low-resolution layers scale the input and
  the output instead of the (much larger) weight;
- everything is channels-last, and faces of a batch run one after the other.
"""
import math
import re
from collections import OrderedDict
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

SQRT2 = math.sqrt(2.0)  # fused leaky ReLU gain; TorchScript bodies spell it as a literal


def channel_table(size: int, channel_multiplier: float, narrow: float) -> dict:
    """C[r] per resolution (spec §2.1)."""
    base = {4: 512, 8: 512, 16: 512, 32: 512, 64: 256 * channel_multiplier, 128: 128 * channel_multiplier,
            256: 64 * channel_multiplier, 512: 32 * channel_multiplier, 1024: 16 * channel_multiplier,
            2048: 8 * channel_multiplier, 4096: 4 * channel_multiplier}
    return {r: int(c * narrow) for r, c in base.items() if r <= size}


def conv2d(x: torch.Tensor, w: torch.Tensor, b: Optional[torch.Tensor], padding: int) -> torch.Tensor:
    """F.conv2d that keeps tiny inputs on oneDNN.

    LibTorch 1.13 sends fp32 batch-1 convs with at most 20480 input values (here: the 4x4 layers)
    to its im2col + BLAS path, which with Debian's reference BLAS is ~50x slower than oneDNN;
    padding explicitly (plus spare bottom/right rows that are cropped again) avoids that path.
    """
    if x.numel() > 20480:
        return F.conv2d(x, w, b, padding=padding)
    extra = 0
    while x.size(1) * (x.size(2) + 2 * padding + extra) * (x.size(3) + 2 * padding + extra) <= 20480:
        extra += 1
    y = F.conv2d(F.pad(x, [padding, padding + extra, padding, padding + extra]), w, b)
    return y[:, :, : y.size(2) - extra, : y.size(3) - extra]


class PixelNorm(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(torch.mean(x * x, dim=1, keepdim=True) + 1e-8)


class EqualLinear(nn.Module):
    """Equalised-lr linear; `activation` adds the fused leaky ReLU (with its sqrt(2) gain)."""

    def __init__(self, in_dim: int, out_dim: int, lr_mul: float = 1.0, activation: bool = False,
                 in_gain: float = 1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(out_dim, in_dim))
        self.bias = nn.Parameter(torch.zeros(out_dim))
        self.scale = lr_mul / math.sqrt(in_dim) * in_gain
        self.lr_mul = lr_mul
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.linear(x, self.weight * self.scale, self.bias * self.lr_mul)
        if self.activation:
            out = F.leaky_relu(out, 0.2) * 1.4142135623730951
        return out


class FusedLeakyReLU(nn.Module):
    """Holds the activation bias; the computation is done by the layer that owns it."""

    def __init__(self, channels: int):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))


class Blur(nn.Module):
    """Holds the 4x4 FIR buffer (already x4 where it follows an upsample, as stored)."""

    def __init__(self, channels: int, gain: float = 1.0):
        super().__init__()
        k = torch.tensor([1.0, 3.0, 3.0, 1.0])
        self.register_buffer('kernel', torch.outer(k, k) / 64.0 * gain)
        self.register_buffer('folded_depthwise', torch.empty(0), persistent=False)
        self.channels = channels

    def fold(self):
        # upfirdn2d correlates with the flipped kernel; conv2d correlates, so flip here.
        self.folded_depthwise = torch.flip(self.kernel, [0, 1]).expand(self.channels, 1, 4, 4).contiguous()

    def depthwise(self) -> torch.Tensor:
        return self.folded_depthwise


class Upsample(nn.Module):
    """x2 FIR upsampling of the RGB skip, upfirdn2d(up=2, pad=(2,1)), as sub-pixel phases.

    Output row 2m takes kernel taps 3,1 at input rows m-1,m; row 2m+1 takes taps 2,0 at rows
    m,m+1 (same for columns). One depthwise 3x3 conv yields the four phases and pixel_shuffle
    interleaves them; conv_transpose2d would do the same on LibTorch's slow im2col path.
    """

    def __init__(self, channels: int):
        super().__init__()
        k = torch.tensor([1.0, 3.0, 3.0, 1.0])
        self.register_buffer('kernel', torch.outer(k, k) / 64.0 * 4.0)
        sel = torch.zeros(2, 3, 4)          # sel[a, window position, kernel tap]
        sel[0, 0, 3] = sel[0, 1, 1] = sel[1, 1, 2] = sel[1, 2, 0] = 1.0
        self.register_buffer('select', sel, persistent=False)
        self.register_buffer('folded_phases', torch.empty(0), persistent=False)
        self.channels = channels

    def fold(self):
        """[C*4, 1, 3, 3]: for channel c, the kernels of phases (0,0), (0,1), (1,0), (1,1)."""
        k = torch.einsum('auk,kl,bvl->abuv', self.select, self.kernel, self.select)
        self.folded_phases = k.reshape(4, 1, 3, 3).repeat(self.channels, 1, 1, 1)

    def phases(self) -> torch.Tensor:
        return self.folded_phases

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.conv2d(x, self.phases(), None, padding=1, groups=self.channels)
        return F.pixel_shuffle(y, 2)


class EqualConv2d(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, k: int):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(out_ch, in_ch, k, k))
        self.scale = 1.0 / math.sqrt(in_ch * k * k)


class ModulatedConv2d(nn.Module):
    """Style-modulated conv for one sample; `in_gain` is the sqrt(2) the producing activation left out.

    The x2 transposed conv (stride 2, 3x3) is computed as four sub-pixel convs (2x2, 2x1, 1x2 and
    1x1 taps: the same 9 multiply-adds per input pixel) interleaved into one grid, because
    conv_transpose2d has no oneDNN path in LibTorch 1.13 and its fallback was 80% of the run time.
    """

    def __init__(self, in_ch: int, out_ch: int, k: int, style_dim: int, demodulate: bool = True,
                 upsample: bool = False, in_gain: float = 1.0, in_res: int = 0):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1, out_ch, in_ch, k, k))
        # Modulating the weight costs a pass over out*in*k*k values, scaling the input instead
        # (and demodulating the output) one over in*H*W plus out*H'*W': the latter wins at low
        # resolution, where the weights are largest (a fixed choice per layer).
        self.scale_input = demodulate and 0 < in_res * in_res <= 9 * out_ch
        self.blur = Blur(out_ch, 4.0) if upsample else None
        self.modulation = EqualLinear(style_dim, in_ch)
        self.scale = 1.0 / math.sqrt(in_ch * k * k)
        self.in_gain = in_gain
        self.demodulate = demodulate
        self.padding = k // 2
        self.in_ch = in_ch
        self.out_ch = out_ch
        # Weight expressions that do not depend on the style, computed once after loading
        # (fold): freezing alone left some of them (flips, layout copies) running on every call.
        for name in ('folded_base', 'folded_phase0', 'folded_phase1', 'folded_phase2', 'folded_phase3',
                     'folded_wsq_t'):
            self.register_buffer(name, torch.empty(0), persistent=False)

    def fold(self):
        w = self.weight[0] * (self.scale * self.in_gain)
        # channels-last like the activations, so that oneDNN does not reorder the weight per call
        self.folded_base = w.contiguous(memory_format=torch.channels_last)
        # Sub-pixel kernels (correlation order) of the stride-2 transposed conv, one per output
        # phase: even row and col (2x2 taps), even/odd (2x1), odd/even (1x2), odd/odd (1x1).
        cl = torch.channels_last
        self.folded_phase0 = torch.flip(w[:, :, 0::2, 0::2], [2, 3]).contiguous(memory_format=cl)
        self.folded_phase1 = torch.flip(w[:, :, 0::2, 1:2], [2]).contiguous(memory_format=cl)
        self.folded_phase2 = torch.flip(w[:, :, 1:2, 0::2], [3]).contiguous(memory_format=cl)
        self.folded_phase3 = w[:, :, 1:2, 1:2].clone().contiguous(memory_format=cl)
        # sum over kh,kw of (scale*w)^2, transposed for the demodulation product
        self.folded_wsq_t = (self.weight[0] * self.scale).pow(2).sum([2, 3]).t().contiguous()

    def base(self) -> torch.Tensor:
        return self.folded_base

    def phase_weight(self, phase: int) -> torch.Tensor:
        if phase == 0:
            return self.folded_phase0
        if phase == 1:
            return self.folded_phase1
        if phase == 2:
            return self.folded_phase2
        return self.folded_phase3

    def factors(self, style: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Modulation s [1,in] and demodulation d [1,out] (the base weight holds scale and gain)."""
        s = self.modulation(style).view(1, self.in_ch)
        if self.demodulate:
            # sum over in,kh,kw of (scale*w*s)^2 == (s^2) @ sum_k((scale*w)^2)^T
            return s, torch.rsqrt(torch.mm(s * s, self.folded_wsq_t) + 1e-8)
        return s, torch.ones(1, self.out_ch, dtype=s.dtype, device=s.device)

    def forward(self, x: torch.Tensor, style: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        s, d = self.factors(style)
        if self.scale_input:
            x = x * s.view(1, self.in_ch, 1, 1)
            c = torch.ones(1, 1, 1, 1, dtype=s.dtype, device=s.device)
        elif self.demodulate:
            c = (s * d.view(self.out_ch, 1)).view(self.out_ch, self.in_ch, 1, 1)
        else:
            c = s.view(1, self.in_ch, 1, 1)
        if self.blur is None:
            if self.scale_input:
                y = conv2d(x, self.base(), None, self.padding)
                return torch.addcmul(bias.view(1, self.out_ch, 1, 1), y, d.view(1, self.out_ch, 1, 1))
            return conv2d(x, self.base() * c, bias, self.padding)
        # Transposed-conv output row 2m takes taps 0 and 2 (input rows m and m-1), row 2m+1 takes
        # tap 1 (input row m); likewise for columns. With padding 1 every phase gives H+1 rows
        # (after dropping a leading one), the last of which is the zero the blur pads with.
        if self.scale_input:
            ee = conv2d(x, self.phase_weight(0), None, 1)
            eo = conv2d(x, self.phase_weight(1), None, 1)
            oe = conv2d(x, self.phase_weight(2), None, 1)
            oo = conv2d(x, self.phase_weight(3), None, 1)
        else:
            ee = conv2d(x, self.phase_weight(0) * c, None, 1)
            eo = conv2d(x, self.phase_weight(1) * c, None, 1)
            oe = conv2d(x, self.phase_weight(2) * c, None, 1)
            oo = conv2d(x, self.phase_weight(3) * c, None, 1)
        eo, oe, oo = eo[:, :, :, 1:], oe[:, :, 1:, :], oo[:, :, 1:, 1:]
        h1, w1 = ee.size(2), ee.size(3)
        y = torch.empty([1, h1, 2, w1, 2, self.out_ch], dtype=ee.dtype, device=ee.device)
        y[:, :, 0, :, 0] = ee.permute(0, 2, 3, 1)
        y[:, :, 0, :, 1] = eo.permute(0, 2, 3, 1)
        y[:, :, 1, :, 0] = oe.permute(0, 2, 3, 1)
        y[:, :, 1, :, 1] = oo.permute(0, 2, 3, 1)
        up = y.view(1, 2 * h1, 2 * w1, self.out_ch).permute(0, 3, 1, 2)   # channels-last [1,C,2H+2,2W+2]
        # the spec's Blur(pad=(1,1)) taking 2H+1 rows to 2H; per-channel, so it can carry d
        k = self.blur.depthwise()
        if self.scale_input:
            k = k * d.view(self.out_ch, 1, 1, 1)
        out = F.conv2d(up, k, bias, padding=1, groups=self.out_ch)
        return out[:, :, : 2 * h1 - 2, : 2 * w1 - 2]


class NoiseInjection(nn.Module):
    """isconcat=True: cat([x, weight * noise]); in GPEN the noise is an encoder feature."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))


class StyledConv(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, k: int, style_dim: int, upsample: bool = False,
                 in_gain: float = SQRT2, in_res: int = 0):
        super().__init__()
        self.conv = ModulatedConv2d(in_ch, out_ch, k, style_dim, upsample=upsample, in_gain=in_gain, in_res=in_res)
        self.noise = NoiseInjection()
        self.activate = FusedLeakyReLU(2 * out_ch)
        self.out_ch = out_ch

    def forward(self, x: torch.Tensor, style: torch.Tensor, feat: torch.Tensor) -> torch.Tensor:
        """leaky_relu(cat(conv, noise) + bias) WITHOUT the sqrt(2) (consumers apply it)."""
        c = self.out_ch
        b = self.activate.bias
        out = self.conv(x, style, b[:c])
        # Both halves are written in place into the concatenated tensor: cat along the channel
        # axis of channels-last tensors is a slow strided copy, and this saves two passes.
        cat = torch.empty([1, 2 * c, out.size(2), out.size(3)], dtype=out.dtype, device=out.device,
                          memory_format=torch.channels_last)
        torch._C._nn.leaky_relu(out, 0.2, out=cat[:, :c])
        # encoder features are stored without their sqrt(2) as well: fold it into the noise weight
        nz = cat[:, c:]
        torch.addcmul(b[c:].view(1, c, 1, 1), feat, self.noise.weight * 1.4142135623730951, out=nz)
        F.leaky_relu(nz, 0.2, True)
        return cat


class ToRGB(nn.Module):
    def __init__(self, in_ch: int, style_dim: int, upsample: bool = True):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(1, 3, 1, 1))
        self.upsample = Upsample(3) if upsample else None
        self.conv = ModulatedConv2d(in_ch, 3, 1, style_dim, demodulate=False, in_gain=SQRT2)

    def forward(self, x: torch.Tensor, style: torch.Tensor, skip: Optional[torch.Tensor]) -> torch.Tensor:
        out = self.conv(x, style, self.bias.view(3))
        if self.upsample is not None:
            if skip is not None:
                out = out + self.upsample(skip)
        return out


class ConstantInput(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.input = nn.Parameter(torch.zeros(1, channels, 4, 4))


class DecoderBlock(nn.Module):
    """One resolution of the decoder: convs[2j] (up), convs[2j+1], to_rgbs[j] in the checkpoint."""

    def __init__(self, in_ch: int, out_ch: int, style_dim: int, res: int):
        super().__init__()
        self.up = StyledConv(2 * in_ch, out_ch, 3, style_dim, upsample=True, in_res=res // 2)
        self.conv = StyledConv(2 * out_ch, out_ch, 3, style_dim, in_res=res)
        self.to_rgb = ToRGB(2 * out_ch, style_dim)


class Generator(nn.Module):
    def __init__(self, size: int, style_dim: int, n_mlp: int, ch: dict, lr_mlp: float = 0.01):
        super().__init__()
        self.style = nn.Sequential(PixelNorm(), *[EqualLinear(style_dim, style_dim, lr_mlp, True)
                                                   for _ in range(n_mlp)])
        self.input = ConstantInput(ch[4])
        self.conv1 = StyledConv(ch[4], ch[4], 3, style_dim, in_gain=1.0, in_res=4)
        self.to_rgb1 = ToRGB(2 * ch[4], style_dim, upsample=False)
        log_size = int(math.log2(size))
        self.blocks = nn.ModuleList([DecoderBlock(ch[2 ** (i - 1)], ch[2 ** i], style_dim, 2 ** i)
                                     for i in range(3, log_size + 1)])

    def forward(self, w: torch.Tensor, feats: List[torch.Tensor]) -> torch.Tensor:
        x = self.input.input.contiguous(memory_format=torch.channels_last)
        k = len(feats) - 1
        out = self.conv1(x, w, feats[k])
        skip = self.to_rgb1(out, w, None)
        for block in self.blocks:
            k -= 1
            out = block.up(out, w, feats[k])
            out = block.conv(out, w, feats[k])
            skip = block.to_rgb(out, w, skip)
        return skip


class EncoderIn(nn.Module):
    """ecd0: 1x1 conv + fused leaky ReLU at full resolution."""

    def __init__(self, out_ch: int):
        super().__init__()
        self.conv = EqualConv2d(3, out_ch, 1)
        self.act = FusedLeakyReLU(out_ch)
        self.register_buffer('folded_weight', torch.empty(0), persistent=False)

    def fold(self):
        self.folded_weight = (self.conv.weight * self.conv.scale).contiguous(memory_format=torch.channels_last)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.conv2d(x, self.folded_weight, self.act.bias)
        # sqrt(2) left to consumers; not in place: freezing then refuses to fold the weights of
        # every layer reading these features (in-place writes to list members defeat alias analysis)
        return F.leaky_relu(y, 0.2)


class EncoderDown(nn.Module):
    """ecd i>=1: blur (pad 2) + 3x3 stride-2 conv + fused leaky ReLU."""

    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.blur = Blur(in_ch)
        self.conv = EqualConv2d(in_ch, out_ch, 3)
        self.act = FusedLeakyReLU(out_ch)
        self.in_ch = in_ch
        self.register_buffer('folded_weight', torch.empty(0), persistent=False)

    def fold(self):
        w = self.conv.weight * (self.conv.scale * SQRT2)
        self.folded_weight = w.contiguous(memory_format=torch.channels_last)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.conv2d(x, self.blur.depthwise(), None, padding=2, groups=self.in_ch)
        y = F.conv2d(x, self.folded_weight, self.act.bias, stride=2)
        return F.leaky_relu(y, 0.2)


# internal name pattern -> checkpoint name pattern (applied to whole dotted prefixes)
_TO_CKPT = [
    (re.compile(r'^generator\.blocks\.(\d+)\.up\.'), lambda m: f'generator.convs.{2 * int(m[1])}.'),
    (re.compile(r'^generator\.blocks\.(\d+)\.conv\.'), lambda m: f'generator.convs.{2 * int(m[1]) + 1}.'),
    (re.compile(r'^generator\.blocks\.(\d+)\.to_rgb\.'), lambda m: f'generator.to_rgbs.{m[1]}.'),
    (re.compile(r'^encoder\.0\.conv\.'), lambda m: 'ecd0.0.0.'),
    (re.compile(r'^encoder\.0\.act\.'), lambda m: 'ecd0.0.1.'),
    (re.compile(r'^encoder\.(\d+)\.blur\.'), lambda m: f'ecd{m[1]}.0.0.'),
    (re.compile(r'^encoder\.(\d+)\.conv\.'), lambda m: f'ecd{m[1]}.0.1.'),
    (re.compile(r'^encoder\.(\d+)\.act\.'), lambda m: f'ecd{m[1]}.0.2.'),
]


def _ckpt_order(key: str):
    """Sort key reproducing the original module order (spec §2.4)."""
    m = re.match(r'^generator\.convs\.(\d+)\.', key)
    if m:
        return (1, int(m[1]))
    m = re.match(r'^generator\.to_rgbs\.(\d+)\.', key)
    if m:
        return (2, int(m[1]))
    m = re.match(r'^ecd(\d+)\.', key)
    if m:
        return (3, int(m[1]))
    if key.startswith('final_linear.'):
        return (4, 0)
    return (0, 0)


class FullGenerator(nn.Module):
    __jit_ignored_attributes__ = ['config']

    def __init__(self, size: int, style_dim: int = 512, n_mlp: int = 8, channel_multiplier: float = 2,
                 narrow: float = 1.0):
        super().__init__()
        ch = channel_table(size, channel_multiplier, narrow)
        log_size = int(math.log2(size))
        if 2 ** log_size != size or size < 8:
            raise ValueError(f'GPEN size must be a power of two >= 8, got {size}')
        self.config = dict(size=size, style_dim=style_dim, n_mlp=n_mlp, channel_multiplier=channel_multiplier,
                           narrow=narrow, isconcat=True)
        self.generator = Generator(size, style_dim, n_mlp, ch)
        enc: List[nn.Module] = [EncoderIn(ch[size])]
        for i in range(1, log_size - 1):
            r = size >> (i - 1)
            enc.append(EncoderDown(ch[r], ch[r // 2]))
        self.encoder = nn.ModuleList(enc)
        self.final_linear = nn.Sequential(EqualLinear(ch[4] * 16, style_dim, activation=True, in_gain=SQRT2))
        self.size = size
        self._register_state_dict_hook(FullGenerator._to_checkpoint_names)
        self._register_load_state_dict_pre_hook(FullGenerator._from_checkpoint_names)
        self.register_load_state_dict_post_hook(FullGenerator._fold_weights)

    @staticmethod
    def _fold_weights(module, incompatible_keys):
        with torch.no_grad():
            for m in module.modules():
                if m is not module and hasattr(m, 'fold'):
                    m.fold()

    @staticmethod
    def _to_checkpoint_names(module, state_dict, prefix, local_metadata):
        renamed = []
        for pos, (key, value) in enumerate(state_dict.items()):
            if key.startswith(prefix):
                rest = key[len(prefix):]
                for pat, fn in _TO_CKPT:
                    m = pat.match(rest)
                    if m:
                        rest = fn(m) + rest[m.end():]
                        break
                key = prefix + rest
                renamed.append(((1,) + _ckpt_order(rest) + (pos,), key, value))
            else:
                renamed.append(((0, pos), key, value))
        out = OrderedDict((k, v) for _, k, v in sorted(renamed, key=lambda t: t[0]))
        out._metadata = getattr(state_dict, '_metadata', OrderedDict())
        return out

    @staticmethod
    def _from_checkpoint_names(state_dict, prefix, *args):
        back = {}
        for key in list(state_dict.keys()):
            if not key.startswith(prefix):
                continue
            rest = key[len(prefix):]
            m = re.match(r'^generator\.convs\.(\d+)\.', rest)
            if m:
                j, odd = divmod(int(m[1]), 2)
                back[key] = f'{prefix}generator.blocks.{j}.{"conv" if odd else "up"}.' + rest[m.end():]
                continue
            m = re.match(r'^generator\.to_rgbs\.(\d+)\.', rest)
            if m:
                back[key] = f'{prefix}generator.blocks.{m[1]}.to_rgb.' + rest[m.end():]
                continue
            m = re.match(r'^ecd(\d+)\.0\.(\d+)\.', rest)
            if m:
                i, c = int(m[1]), int(m[2])
                names = ('conv', 'act') if i == 0 else ('blur', 'conv', 'act')
                if c < len(names):
                    back[key] = f'{prefix}encoder.{i}.{names[c]}.' + rest[m.end():]
        for old, new in back.items():
            state_dict[new] = state_dict.pop(old)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Faces run one at a time: modulation makes every weight per-sample, and on the CPU a
        # batch would not convolve faster than its samples in turn (it would only use more memory).
        if x.size(0) == 1:
            return self.one(x)
        return torch.cat([self.one(x[i : i + 1]) for i in range(x.size(0))])

    def one(self, x: torch.Tensor) -> torch.Tensor:
        # channels-last throughout: oneDNN convolves it without reordering activations
        x = x.contiguous(memory_format=torch.channels_last)
        feats: List[torch.Tensor] = []
        for layer in self.encoder:
            x = layer(x)
            feats.append(x)
        # flatten in C,H,W order (reshape copies a channels-last tensor into that order)
        latent = self.final_linear(x.reshape(1, -1))
        w = self.generator.style(latent)
        return self.generator(w, feats).contiguous()
