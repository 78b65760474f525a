"""Blend-layer generator of ModelScope skin retouching: UNet(n_channels=3, n_classes=3).

Written from ../shared/docs/skin-retouching.md §2.1. Module names follow the checkpoint keys
(`inc.conv.conv.N`, `downK.mpconv.1.conv.N`, `upK.conv.conv.N`, `outc.conv`, `dsoutcK.conv`).
Input: RGB in [-1, 1], H and W multiples of 16. forward() returns the blend layer after the
sigmoid; logits() returns the outc output before it (the fixture checks both).
"""

import torch
import torch.nn.functional as F
from torch import nn


def _double_conv(cin: int, cout: int) -> nn.Sequential:
    # Index layout 0/1/3/4 is fixed by the checkpoint keys; convs keep their bias even before BN.
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class _DoubleConv(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = _double_conv(cin, cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class _In(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = _DoubleConv(cin, cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class _Down(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.mpconv = nn.Sequential(nn.MaxPool2d(2), _DoubleConv(cin, cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mpconv(x)


class _Up(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = _DoubleConv(cin, cout)

    def forward(self, deep: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        deep = F.interpolate(deep, scale_factor=2.0, mode='bilinear', align_corners=True)
        # Only non-multiple-of-16 sizes need this; the pipeline always runs at 512.
        dy = skip.size(2) - deep.size(2)
        dx = skip.size(3) - deep.size(3)
        if dy != 0 or dx != 0:
            deep = F.pad(deep, [dx // 2, dx - dx // 2, dy // 2, dy - dy // 2])
        return self.conv(torch.cat([skip, deep], dim=1))


class _Out(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class UNet(nn.Module):
    def __init__(self, n_channels: int = 3, n_classes: int = 3):
        super().__init__()
        self.inc = _In(n_channels, 64)
        self.down1 = _Down(64, 128)
        self.down2 = _Down(128, 256)
        self.down3 = _Down(256, 512)
        self.down4 = _Down(512, 512)
        self.up1 = _Up(1024, 256)
        self.up2 = _Up(512, 128)
        self.up3 = _Up(256, 64)
        self.up4 = _Up(128, 64)
        self.outc = _Out(64, n_classes)
        # Deep-supervision heads: never run at inference, kept so strict loading sees every key.
        self.dsoutc4 = _Out(256, n_classes)
        self.dsoutc3 = _Out(128, n_classes)
        self.dsoutc2 = _Out(64, n_classes)
        self.dsoutc1 = _Out(64, n_classes)

    @torch.jit.export
    def logits(self, x: torch.Tensor) -> torch.Tensor:
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        x4 = self.down3(x3)
        x5 = self.down4(x4)
        y = self.up1(x5, x4)
        y = self.up2(y, x3)
        y = self.up3(y, x2)
        y = self.up4(y, x1)
        return self.outc(y)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # The sigmoid has no weights but belongs to the model (see spec pitfall).
        return torch.sigmoid(self.logits(x))
