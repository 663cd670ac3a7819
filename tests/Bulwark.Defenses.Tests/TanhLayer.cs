using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Tests;

/// <summary>tanh as a layer: smooth, so the tiny test nets have non-zero second derivatives.</summary>
internal sealed class TanhLayer : Module
{
    public override Tensor Forward(Tensor input) => input.Tanh();
}
