"""Blemish inpainter of ModelScope skin retouching: RetouchingNet(in_channels=4, out_channels=3).

Written from ../shared/docs/skin-retouching.md §2.3. Same U topology as the detector, but every
layer is a gated convolution: act(BN(conv(x))) * sigmoid(gate(x)). forward(masked_image, mask)
takes the image already multiplied by the keep-mask (1 = keep, 0 = hole) and returns tanh RGB
in [-1, 1]. H and W must be multiples of 64.
"""
import torch
import torch.nn.functional as F
from torch import nn


class GatedConvBNActiv(nn.Module):
    def __init__(self, cin: int, cout: int, bn: bool = True, stride: int = 1,
                 activ: str = 'relu', bias: bool = False):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=bias)
        self.gate = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=bias)
        self.bn = nn.BatchNorm2d(cout) if bn else nn.Identity()
        if activ == 'relu':
            self.activation = nn.ReLU()
        elif activ == 'leaky':
            self.activation = nn.LeakyReLU(0.2)
        else:
            self.activation = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # The gate is a plain conv: no BN, no activation before its sigmoid.
        return self.activation(self.bn(self.conv(x))) * torch.sigmoid(self.gate(x))


def _up_cat(x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
    return torch.cat([F.interpolate(x, scale_factor=2.0, mode='nearest'), skip], dim=1)


class RetouchingNet(nn.Module):
    def __init__(self, in_channels: int = 4, out_channels: int = 3):
        super().__init__()
        self.ec_images_1 = GatedConvBNActiv(in_channels, 64, bn=False, stride=2)
        self.ec_images_2 = GatedConvBNActiv(64, 128, stride=2)
        self.ec_images_3 = GatedConvBNActiv(128, 256, stride=2)
        self.ec_images_4 = GatedConvBNActiv(256, 512, stride=2)
        self.ec_images_5 = GatedConvBNActiv(512, 512, stride=2)
        self.ec_images_6 = GatedConvBNActiv(512, 512, stride=2)
        self.dc_images_6 = GatedConvBNActiv(512 + 512, 512, activ='leaky')
        self.dc_images_5 = GatedConvBNActiv(512 + 512, 512, activ='leaky')
        self.dc_images_4 = GatedConvBNActiv(512 + 256, 256, activ='leaky')
        self.dc_images_3 = GatedConvBNActiv(256 + 128, 128, activ='leaky')
        self.dc_images_2 = GatedConvBNActiv(128 + 64, 64, activ='leaky')
        # Last layer: 3x3 gated conv with biases, no BN, no activation (tanh comes after).
        self.dc_images_1 = GatedConvBNActiv(64 + in_channels, out_channels, bn=False,
                                            activ='none', bias=True)

    def forward(self, masked_image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = torch.cat([masked_image, mask], dim=1)
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
        return torch.tanh(self.dc_images_1(_up_cat(h, x)))
