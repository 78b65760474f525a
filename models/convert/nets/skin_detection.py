"""Blemish detector of ModelScope skin retouching: DetectionUNet(n_channels=3, n_classes=1).

Written from ../shared/docs/skin-retouching.md §2.2. Six stride-2 conv stages, six nearest-x2
decoder stages that concatenate [upsampled, skip]. Returns logits (the pipeline applies the
sigmoid itself). Input: RGB in [-1, 1], H and W multiples of 64.
"""
import torch
import torch.nn.functional as F
from torch import nn


class ConvBNActiv(nn.Module):
    """conv (no bias) -> optional BN -> ReLU or LeakyReLU(0.2)."""

    def __init__(self, cin: int, cout: int, bn: bool = True, stride: int = 1, leaky: bool = False):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        # Identity has no state, so the missing `bn` keys of ec_images_1 stay missing.
        self.bn = nn.BatchNorm2d(cout) if bn else nn.Identity()
        self.activation = nn.LeakyReLU(0.2) if leaky else nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(self.bn(self.conv(x)))


def _up_cat(x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
    return torch.cat([F.interpolate(x, scale_factor=2.0, mode='nearest'), skip], dim=1)


class DetectionUNet(nn.Module):
    def __init__(self, n_channels: int = 3, n_classes: int = 1):
        super().__init__()
        self.ec_images_1 = ConvBNActiv(n_channels, 64, bn=False, stride=2)
        self.ec_images_2 = ConvBNActiv(64, 128, stride=2)
        self.ec_images_3 = ConvBNActiv(128, 256, stride=2)
        self.ec_images_4 = ConvBNActiv(256, 512, stride=2)
        self.ec_images_5 = ConvBNActiv(512, 512, stride=2)
        self.ec_images_6 = ConvBNActiv(512, 512, stride=2)
        self.dc_images_6 = ConvBNActiv(512 + 512, 512, leaky=True)
        self.dc_images_5 = ConvBNActiv(512 + 512, 512, leaky=True)
        self.dc_images_4 = ConvBNActiv(512 + 256, 256, leaky=True)
        self.dc_images_3 = ConvBNActiv(256 + 128, 128, leaky=True)
        self.dc_images_2 = ConvBNActiv(128 + 64, 64, leaky=True)
        self.dc_images_1 = nn.Conv2d(64 + n_channels, n_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e1 = self.ec_images_1(x)
        e2 = self.ec_images_2(e1)
        e3 = self.ec_images_3(e2)
        e4 = self.ec_images_4(e3)
        e5 = self.ec_images_5(e4)
        e6 = self.ec_images_6(e5)
        h = self.dc_images_6(_up_cat(e6, e5))
        h = self.dc_images_5(_up_cat(h, e4))
        h = self.dc_images_4(_up_cat(h, e3))
        h = self.dc_images_3(_up_cat(h, e2))
        h = self.dc_images_2(_up_cat(h, e1))
        return self.dc_images_1(_up_cat(h, x))
