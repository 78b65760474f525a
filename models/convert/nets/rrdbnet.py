"""RRDBNet (ESRGAN generator, BasicSR layout) as used by RealESRNet background upsampling.

Rebuilt from ../shared/docs/gpen.md §3.2 and the checkpoint layouts; state_dict keys equal
BasicSR's (`conv_first`, `body.{i}.rdb{1,2,3}.conv{1..5}`, `conv_body`, `conv_up1`, `conv_up2`,
`conv_hr`, `conv_last`).

forward(x [N,3,H,W] RGB in [0,1]) -> [N,3,sH,sW], unclamped, for any N, H, W. For scale 2
(and 1) the network pixel-unshuffles first, so like the pipeline (sr_process) we reflect-pad
bottom/right to a multiple of the unshuffle factor and crop the result back.
"""
import torch
import torch.nn.functional as F
from torch import nn

# input channels of conv_first per unshuffle factor, as BasicSR arranges them
UNSHUFFLE = {1: 4, 2: 2, 4: 1}


class ResidualDenseBlock(nn.Module):
    def __init__(self, num_feat: int, num_grow_ch: int):
        super().__init__()
        f, g = num_feat, num_grow_ch
        self.conv1 = nn.Conv2d(f, g, 3, 1, 1)
        self.conv2 = nn.Conv2d(f + g, g, 3, 1, 1)
        self.conv3 = nn.Conv2d(f + 2 * g, g, 3, 1, 1)
        self.conv4 = nn.Conv2d(f + 3 * g, g, 3, 1, 1)
        self.conv5 = nn.Conv2d(f + 4 * g, f, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1 = F.leaky_relu(self.conv1(x), 0.2)
        x2 = F.leaky_relu(self.conv2(torch.cat([x, x1], 1)), 0.2)
        x3 = F.leaky_relu(self.conv3(torch.cat([x, x1, x2], 1)), 0.2)
        x4 = F.leaky_relu(self.conv4(torch.cat([x, x1, x2, x3], 1)), 0.2)
        x5 = self.conv5(torch.cat([x, x1, x2, x3, x4], 1))
        return x5 * 0.2 + x


class RRDB(nn.Module):
    def __init__(self, num_feat: int, num_grow_ch: int):
        super().__init__()
        self.rdb1 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb2 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb3 = ResidualDenseBlock(num_feat, num_grow_ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x


class RRDBNet(nn.Module):
    __jit_ignored_attributes__ = ['config']

    def __init__(self, num_in_ch: int = 3, num_out_ch: int = 3, scale: int = 4, num_feat: int = 64,
                 num_block: int = 23, num_grow_ch: int = 32):
        super().__init__()
        if scale not in UNSHUFFLE:
            raise ValueError(f'RRDBNet scale must be 1, 2 or 4, got {scale}')
        self.config = dict(num_in_ch=num_in_ch, num_out_ch=num_out_ch, scale=scale, num_feat=num_feat,
                           num_block=num_block, num_grow_ch=num_grow_ch)
        self.scale = scale
        self.unshuffle = UNSHUFFLE[scale]
        # False: the default layout throughout, as BasicSR runs it (the benchmark's baseline)
        self.channels_last = True
        self.conv_first = nn.Conv2d(num_in_ch * self.unshuffle ** 2, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*[RRDB(num_feat, num_grow_ch) for _ in range(num_block)])
        self.conv_body = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)

    def channels_last_weights(self) -> 'RRDBNet':
        """Store conv weights channels-last, like the activations: otherwise oneDNN copies every
        weight into that layout on every call (351 convs for the x2 model)."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                m.weight.data = m.weight.data.contiguous(memory_format=torch.channels_last)
        self.channels_last = True
        return self

    def original_layout(self) -> 'RRDBNet':
        """Default (NCHW) weights and activations, as the original runs the network."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                m.weight.data = m.weight.data.contiguous()
        self.channels_last = False
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.size(2), x.size(3)
        r = self.unshuffle
        if r > 1:
            ph, pw = (r - h % r) % r, (r - w % r) % r
            if ph > 0 or pw > 0:
                # reflect as the pipeline does; a side too short to reflect is replicated instead
                mode = 'reflect' if ph < h and pw < w else 'replicate'
                x = F.pad(x, [0, pw, 0, ph], mode=mode)
            x = F.pixel_unshuffle(x, r)
        # channels-last throughout (after the unshuffle, which returns the default layout):
        # oneDNN convolves it without reordering, and the dense-block concatenations stay cheap
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        feat = self.conv_first(x)
        feat = feat + self.conv_body(self.body(feat))
        feat = F.leaky_relu(self.conv_up1(F.interpolate(feat, scale_factor=2.0, mode='nearest')), 0.2)
        feat = F.leaky_relu(self.conv_up2(F.interpolate(feat, scale_factor=2.0, mode='nearest')), 0.2)
        out = self.conv_last(F.leaky_relu(self.conv_hr(feat), 0.2))
        return out[:, :, : h * self.scale, : w * self.scale].contiguous()
