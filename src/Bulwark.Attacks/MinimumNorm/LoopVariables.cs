using Bulwark.Torch;

namespace Bulwark.Attacks;

/// <summary>Tensors that an iterative attack carries from one iteration to the next.</summary>
internal static class LoopVariables
{
    /// <summary>
    /// Replaces <paramref name="variable"/> by <paramref name="value"/>, made in the iteration's scope: frees the old
    /// value now and moves the new one to the enclosing scope, so that a thousand-step loop holds one copy, not a thousand.
    /// </summary>
    public static void Carry(this TensorScope iteration, ref Tensor variable, Tensor value)
    {
        if (ReferenceEquals(variable, value))
        {
            return;
        }

        variable.Dispose();
        variable = iteration.Keep(value);
    }
}
