"""EQFace (deepcam-cn/FaceQuality) as the GPEN pipeline uses it: an IR-ResNet-100 face feature
backbone and a face-quality head, rebuilt from ../shared/docs/gpen.md §1, §3.6 and the key
layouts in ../shared/fixtures/eqface/fixture.json (state_dict keys equal the original's,
including the head's `qualtiy` spelling).

Backbone: 112x112 input; `input_layer` = conv3x3(3->64, no bias), BN, PReLU; four stages of
improved-residual bottlenecks (pre-BN, conv3x3, BN, PReLU, conv3x3 with the stage's stride, BN;
the first block of each stage halves the size and has a 1x1 conv + BN shortcut); then BN,
flatten in C,H,W order (512*7*7 = 25088, the `fc` map the quality head reads), Linear 25088->512
and BN1d: the 512-d identity feature. Dropout sits before the flatten in the original and is
the identity at inference, so it is left out.
Head: Linear 25088->512 (no bias), BN1d, ReLU, Linear 512->2 (no bias), softmax; the quality
is column 0.
"""
from typing import List, Tuple

import torch
from torch import nn

# blocks per stage for the layer counts the original supports
STAGES = {50: [3, 4, 14, 3], 100: [3, 13, 30, 3]}
CHANNELS = [64, 64, 128, 256, 512]


class BottleneckIR(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int, has_shortcut: bool):
        super().__init__()
        self.res_layer = nn.Sequential(nn.BatchNorm2d(c_in), nn.Conv2d(c_in, c_out, 3, 1, 1, bias=False),
                                       nn.BatchNorm2d(c_out), nn.PReLU(c_out),
                                       nn.Conv2d(c_out, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out))
        self.has_shortcut = has_shortcut
        # the original sets shortcut_layer = None when the block keeps the size; an empty
        # Sequential keeps TorchScript's types simple and adds no key
        self.shortcut_layer = (nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))
                               if has_shortcut else nn.Sequential())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        res = self.res_layer(x)
        return (self.shortcut_layer(x) if self.has_shortcut else x) + res


def _stage(c_in: int, c_out: int, blocks: int) -> nn.Sequential:
    return nn.Sequential(BottleneckIR(c_in, c_out, 2, True),
                         *[BottleneckIR(c_out, c_out, 1, False) for _ in range(blocks - 1)])


class IRResNet(nn.Module):
    def __init__(self, num_layers: int = 100, feature_dim: int = 512):
        super().__init__()
        n = STAGES[num_layers]
        c = CHANNELS
        self.input_layer = nn.Sequential(nn.Conv2d(3, c[0], 3, 1, 1, bias=False), nn.BatchNorm2d(c[0]), nn.PReLU(c[0]))
        self.layer1 = _stage(c[0], c[1], n[0])
        self.layer2 = _stage(c[1], c[2], n[1])
        self.layer3 = _stage(c[2], c[3], n[2])
        self.layer4 = _stage(c[3], c[4], n[3])
        self.output_layer = nn.Sequential(nn.BatchNorm2d(c[4]))
        self.feature_layer = nn.Sequential(nn.Linear(c[4] * 7 * 7, feature_dim), nn.BatchNorm1d(feature_dim))

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """x [N,3,112,112] -> (feature [N,512], fc [N,25088])."""
        x = self.layer4(self.layer3(self.layer2(self.layer1(self.input_layer(x)))))
        fc = self.output_layer(x).flatten(1)
        return self.feature_layer(fc), fc


class FaceQuality(nn.Module):
    def __init__(self, feature_dim: int = 512 * 7 * 7):
        super().__init__()
        self.qualtiy = nn.Sequential(nn.Linear(feature_dim, 512, bias=False), nn.BatchNorm1d(512), nn.ReLU(),
                                     nn.Linear(512, 2, bias=False))

    def forward(self, fc: torch.Tensor) -> torch.Tensor:
        """The two logits before the softmax, [N,2]."""
        return self.qualtiy(fc)


class EQFace(nn.Module):
    """What the stage runs: forward(x) -> (feature [N,512], quality [N]) where x is the
    backbone input already normalised ((v - 127.5) / 128, channels in the order the caller
    chose, see docs/stages/gpen.md). `features` and `quality_logits` expose the intermediate
    outputs the fixture records."""

    def __init__(self, backbone: IRResNet, head: FaceQuality):
        super().__init__()
        self.backbone = backbone
        self.head = head

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        feature, fc = self.backbone(x)
        return feature, torch.softmax(self.head(fc), 1)[:, 0]

    @torch.jit.export
    def features(self, x: torch.Tensor) -> List[torch.Tensor]:
        feature, fc = self.backbone(x)
        return [feature, fc]

    @torch.jit.export
    def quality_logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x)[1])
