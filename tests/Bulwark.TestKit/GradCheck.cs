using System.Globalization;
using Bulwark.Torch;

namespace Bulwark.TestKit;

// Inside Bulwark.*, a bare `Torch` names the namespace Bulwark.Torch; this names the class.
using Torch = Bulwark.Torch.Torch;

/// <summary>
/// Finite-difference gradient checks in float64: the oracle for every gradient and second gradient
/// (DESIGN §6). The function under test maps float64 inputs to a float64 output; a tensor output is
/// reduced to the scalar Σ w ⊙ f(x) with fixed random weights w, so every output element takes part.
/// <list type="bullet">
/// <item><c>FirstOrder</c> compares <c>Autograd.Grad</c> of that scalar with central differences
/// (s(x + h·eᵢ) − s(x − h·eᵢ)) / 2h.</item>
/// <item><c>SecondOrder</c> takes g = ∂s/∂x with <c>createGraph</c>, forms
/// the scalar Σ v ⊙ g with fixed random directions v, and checks its gradient (a Hessian-vector product,
/// mixed terms included) against central differences of the same scalar.</item>
/// </list>
/// The inputs are only read: every evaluation builds fresh leaves from their values, inside its own
/// <see cref="TensorScope"/>. Integer arguments (targets, indices) belong in the function's closure.
/// </summary>
public static class GradCheck
{
    public static GradCheckResult FirstOrder(Func<Tensor[], Tensor> function, params Tensor[] inputs) =>
        FirstOrder(function, inputs, GradCheckOptions.Default);

    public static GradCheckResult FirstOrder(Func<Tensor[], Tensor> function, Tensor[] inputs, GradCheckOptions options)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(options);
        var points = Snapshot(inputs);
        using var scope = TensorScope.Begin();
        using var generator = new Generator(options.Seed);

        var leaves = Leaves(points);
        var output = Evaluate(function, leaves);
        var weight = Torch.Randn(output.Shape, generator, DType.Float64);
        var analytical = Gradients(Weighted(output, weight), leaves, points);

        var numerical = CentralDifferences(points, options.Epsilon, values =>
        {
            using var evaluation = TensorScope.Begin();
            using var noGrad = Autograd.NoGrad();
            return Weighted(Evaluate(function, Leaves(values)), weight).ToDouble();
        });

        return Compare("first order", points, analytical, numerical, options);
    }

    public static GradCheckResult SecondOrder(Func<Tensor[], Tensor> function, params Tensor[] inputs) =>
        SecondOrder(function, inputs, GradCheckOptions.Default);

    public static GradCheckResult SecondOrder(Func<Tensor[], Tensor> function, Tensor[] inputs, GradCheckOptions options)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(options);
        var points = Snapshot(inputs);
        using var scope = TensorScope.Begin();
        using var generator = new Generator(options.Seed);

        var leaves = Leaves(points);
        var output = Evaluate(function, leaves);
        var weight = Torch.Randn(output.Shape, generator, DType.Float64);
        var directions = points.Select(point => Torch.Randn(point.Shape, generator, DType.Float64)).ToArray();
        var projection = GradientProjection(Weighted(output, weight), leaves, directions, createGraph: true);
        var analytical = Gradients(projection, leaves, points);

        var numerical = CentralDifferences(points, options.Epsilon, values =>
        {
            using var evaluation = TensorScope.Begin();
            var evaluationLeaves = Leaves(values);
            var scalar = Weighted(Evaluate(function, evaluationLeaves), weight);
            return GradientProjection(scalar, evaluationLeaves, directions, createGraph: false).ToDouble();
        });

        return Compare("second order", points, analytical, numerical, options);
    }

    private sealed record Point(double[] Values, long[] Shape);

    private static Point[] Snapshot(Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length == 0)
        {
            throw new ArgumentException("a gradient check needs at least one input", nameof(inputs));
        }

        return inputs.Select((input, i) => input.DType == DType.Float64
                ? new Point(input.ToArray<double>(), input.Shape)
                : throw new ArgumentException(
                    $"input {i} is {input.DType.ToTorchName()}; finite differences need float64 inputs", nameof(inputs)))
            .ToArray();
    }

    private static Tensor[] Leaves(IReadOnlyList<Point> points) =>
        points.Select(point => Torch.FromArray(point.Values, point.Shape).RequiresGrad_()).ToArray();

    private static Tensor Evaluate(Func<Tensor[], Tensor> function, Tensor[] leaves)
    {
        var output = function(leaves) ?? throw new InvalidOperationException("the function under test returned null");
        return output.DType == DType.Float64
            ? output
            : throw new InvalidOperationException(
                $"the function under test returned {output.DType.ToTorchName()}; finite differences need float64");
    }

    private static Tensor Weighted(Tensor output, Tensor weight) => (output * weight).Sum();

    // Σᵢ vᵢ ⊙ ∂s/∂xᵢ; an input the scalar does not depend on contributes nothing.
    private static Tensor GradientProjection(Tensor scalar, Tensor[] leaves, Tensor[] directions, bool createGraph)
    {
        var total = Torch.Scalar(0, DType.Float64);
        if (!scalar.RequiresGrad)
        {
            return total;
        }

        var gradients = Autograd.Grad([scalar], leaves, createGraph: createGraph, allowUnused: true);
        for (var i = 0; i < gradients.Length; i++)
        {
            if (gradients[i] is { } gradient)
            {
                total = total + (gradient * directions[i]).Sum();
            }
        }

        return total;
    }

    // ∂scalar/∂leaf for every leaf, as host arrays; zeros where the scalar does not depend on a leaf.
    private static double[][] Gradients(Tensor scalar, Tensor[] leaves, Point[] points)
    {
        var result = points.Select(point => new double[point.Values.Length]).ToArray();
        if (!scalar.RequiresGrad)
        {
            return result;
        }

        var gradients = Autograd.Grad([scalar], leaves, allowUnused: true);
        for (var i = 0; i < gradients.Length; i++)
        {
            if (gradients[i] is not { } gradient)
            {
                continue;
            }

            if (!gradient.Shape.SequenceEqual(points[i].Shape) || gradient.DType != DType.Float64)
            {
                throw new InvalidOperationException(
                    $"the gradient of input {i} is {gradient.DType.ToTorchName()} [{string.Join(", ", gradient.Shape)}], " +
                    $"the input is float64 [{string.Join(", ", points[i].Shape)}]");
            }

            result[i] = gradient.ToArray<double>();
        }

        return result;
    }

    private static double[][] CentralDifferences(Point[] points, double epsilon, Func<Point[], double> evaluate)
    {
        var result = new double[points.Length][];
        for (var i = 0; i < points.Length; i++)
        {
            var values = points[i].Values;
            result[i] = new double[values.Length];
            for (var j = 0; j < values.Length; j++)
            {
                var original = values[j];
                values[j] = original + epsilon;
                var plus = evaluate(points);
                values[j] = original - epsilon;
                var minus = evaluate(points);
                values[j] = original;
                result[i][j] = (plus - minus) / (2 * epsilon);
            }
        }

        return result;
    }

    private static GradCheckResult Compare(string order, Point[] points, double[][] analytical, double[][] numerical,
        GradCheckOptions options)
    {
        var failures = new List<string>();
        var failureCount = 0;
        var checkedCount = 0;
        var maxError = 0.0;
        for (var i = 0; i < points.Length; i++)
        {
            for (var j = 0; j < points[i].Values.Length; j++)
            {
                checkedCount++;
                var a = analytical[i][j];
                var n = numerical[i][j];
                var error = Math.Abs(a - n);
                maxError = double.IsNaN(error) || double.IsNaN(maxError) ? double.NaN : Math.Max(maxError, error);
                if (error <= options.AbsoluteTolerance + options.RelativeTolerance * Math.Abs(n))
                {
                    continue;
                }

                failureCount++;
                if (failures.Count < options.MaxReportedFailures)
                {
                    failures.Add(string.Create(CultureInfo.InvariantCulture,
                        $"input {i} at [{string.Join(", ", IndexOf(j, points[i].Shape))}]: analytical {a:G8}, numerical {n:G8}"));
                }
            }
        }

        return new GradCheckResult(order, failures, failureCount, checkedCount, maxError);
    }

    private static long[] IndexOf(long flat, long[] shape)
    {
        var index = new long[shape.Length];
        for (var d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = flat % shape[d];
            flat /= shape[d];
        }

        return index;
    }
}
