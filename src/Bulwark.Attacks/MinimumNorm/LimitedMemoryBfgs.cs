using System.Globalization;
using Bulwark.Torch;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace Bulwark.Attacks;

/// <summary>Which MathNet.Numerics minimiser solves each of <see cref="LimitedMemoryBfgs"/>'s box-constrained problems.</summary>
public enum LbfgsSolver
{
    /// <summary>
    /// <c>LimitedMemoryBfgsMinimizer</c> on the box problem rewritten without constraints (see
    /// <see cref="LimitedMemoryBfgs"/>): O(memory·n) work per iteration, the right choice for images.
    /// </summary>
    LimitedMemory,

    /// <summary>
    /// <c>BfgsBMinimizer</c>, which keeps its iterates in the box itself, but with a dense n×n Hessian and a Cholesky
    /// factorisation per iteration: measured at 1–2 s per iteration for n = 784 (MNIST), so for small inputs only.
    /// </summary>
    BoxConstrained,
}

/// <summary>
/// Settings of <see cref="LimitedMemoryBfgs"/>. Szegedy et al. give no numbers; the defaults follow the references that
/// did: CleverHans (initial c = 10⁻², a per-sample search over c) and Foolbox 2 (150 L-BFGS iterations, memory 15).
/// </summary>
public sealed record LbfgsOptions
{
    /// <summary>
    /// Solves per input in the search over c (×10 until one succeeds, then bisection). CleverHans runs 5, Foolbox 2
    /// bisects until c is known to 10⁻⁵ (about 20 solves); 15 finds the minimal perturbation of a binary affine model to
    /// 0.3%, where C&amp;W's 9 leave up to 5%.
    /// </summary>
    public int BinarySearchSteps { get; init; } = 15;

    /// <summary>The constant c on the loss that the search starts from (CleverHans: 10⁻²).</summary>
    public double InitialConst { get; init; } = 1e-2;

    /// <summary>L-BFGS iterations per solve (Foolbox 2's <c>maxiter</c>); a solve also stops after 4× as many evaluations.</summary>
    public int MaxIterations { get; init; } = 150;

    /// <summary>Gradient pairs L-BFGS keeps (Foolbox 2 passes m = 15 to L-BFGS-B).</summary>
    public int Memory { get; init; } = 15;

    /// <summary>A solve ends once the objective's gradient norm falls below this (L-BFGS-B's pgtol).</summary>
    public double GradientTolerance { get; init; } = 1e-5;

    /// <summary>The minimiser; see <see cref="LbfgsSolver"/>.</summary>
    public LbfgsSolver Solver { get; init; } = LbfgsSolver.LimitedMemory;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"binary search steps={BinarySearchSteps}, initial c={InitialConst}, max iterations={MaxIterations}, memory={Memory}, gradient tolerance={GradientTolerance}, solver={Solver}");
}

/// <summary>
/// The box-constrained L-BFGS attack (Szegedy et al., "Intriguing properties of neural networks", ICLR 2014): for each
/// input x, minimise ‖r‖₂² + c·loss(x + r) subject to x + r in the box, and search over c &gt; 0 for the smallest
/// perturbation that meets the criterion. The paper writes c·|r| + loss and looks for the extreme c that still
/// succeeds; putting c on the loss instead is the same family of problems and lets the per-sample search of C&amp;W
/// (×10 until a solve succeeds, then bisection) run unchanged. Norm ℓ2; inputs [N, ...] in the model's box;
/// deterministic; each input is optimised on its own (one image is the problem size), but the evaluations of all inputs
/// go through the network together, one batched forward and backward per round.
/// <para>Loss: targeted, the cross-entropy towards the target (as the paper); untargeted, −log(1 − p_y) =
/// logsumexp(Z) − logsumexp_{k≠y}(Z), the cross-entropy of "any class but y". It needs no choice of target class
/// (Foolbox 2 ran a gradient attack or drew a random class for that), is bounded below unlike −CE(y), and is the
/// targeted loss when there are two classes.</para>
/// <para>Solver: MathNet.Numerics. Its box-constrained <c>BfgsBMinimizer</c> is dense (see
/// <see cref="LbfgsSolver.BoxConstrained"/>), so the default runs its <c>LimitedMemoryBfgsMinimizer</c> on
/// f(w) = g(P(w)) + ‖w − P(w)‖², with g the box problem's objective and P the clip to the box. Outside the box f
/// exceeds f(P(w)), so f's minimisers are exactly g's box-constrained ones; every point evaluated is P(w), inside the
/// box. The smallest adversarial found at any evaluation of any solve is returned (a solve that stops on its iteration
/// limit or a failed line search still contributes what it found).</para>
/// <code>var result = new LimitedMemoryBfgs().Run(model, x, new TargetedMisclassification(targets));</code>
/// </summary>
public sealed class LimitedMemoryBfgs : MinimumNormAttack
{
    // curvature of the penalty outside the box; any positive value keeps the minimisers, 2 matches ‖r‖₂²
    private const double OutsidePenalty = 2;

    // the solve ends on a lack of progress below these (scipy's L-BFGS-B stops at a relative change of about 10⁻⁹)
    private const double ParameterTolerance = 1e-10;
    private const double FunctionProgressTolerance = 1e-10;

    public LimitedMemoryBfgs(LbfgsOptions? options = null)
    {
        Options = options ?? new LbfgsOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.BinarySearchSteps, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.InitialConst, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.MaxIterations, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.Memory, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.GradientTolerance, nameof(options));
        if (!Enum.IsDefined(Options.Solver))
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.Solver, "unknown solver");
        }
    }

    public LbfgsOptions Options { get; }

    public override Norm Norm => Norm.L2;

    public override string Name => "lbfgs";

    protected override Tensor RunCore(AttackContext context, Tensor inputs, Criterion criterion) =>
        OnRemainingInputs(context, inputs, criterion, (x, attacked) => AttackRemaining(context, x, attacked));

    /// <summary>
    /// The attack proper, on inputs that do not meet the criterion yet: each input's search runs on its own thread
    /// (MathNet drives the iterations), and their evaluations are gathered into one batched forward and backward per
    /// round on this thread, which alone touches tensors. A batch-of-one network call costs nearly as much as a batch
    /// of a hundred on the CPU, so this is what makes the attack affordable on images.
    /// </summary>
    private Tensor AttackRemaining(AttackContext context, Tensor x, Criterion criterion)
    {
        using var scope = TensorScope.Begin();
        var count = (int)x.Size(0);
        var values = x.Flatten(1).To(DType.Float64).ToArray<double>();
        var features = values.Length / count;
        var bounds = context.Model.Bounds;
        var targeted = criterion.IsTargeted;
        var labels = criterion.Labels.ToArray<long>();
        var rounds = new EvaluationRounds(count);
        var problems = new Problem[count];
        var workers = new Thread[count];
        for (var i = 0; i < count; i++)
        {
            var problem = new Problem(i, values.AsSpan(i * features, features).ToArray(), labels[i], targeted, bounds, rounds);
            problems[i] = problem;
            workers[i] = new Thread(() => rounds.Work(problem.Index, () => Search(problem)), 256 * 1024) { IsBackground = true };
            workers[i].Start();
        }

        var shape = x.Shape;
        rounds.Serve((indices, points) =>
        {
            using var round = TensorScope.Begin();
            shape[0] = indices.Length;
            var index = Torch.Torch.FromArray(indices.Select(i => (long)i).ToArray(), indices.Length).To(DType.Int64, criterion.Labels.Device);
            var selected = criterion.Select(index);
            var candidates = Torch.Torch.FromArray(points, shape).To(x.DType, x.Device);
            var (logits, gradient) = context.LossGradient(candidates, z => Loss(z, selected.Labels, targeted));
            return (logits.To(DType.Float64).ToArray<double>(), gradient.To(DType.Float64).ToArray<double>(),
                selected.IsAdversarial(logits).ToArray<bool>());
        });
        foreach (var worker in workers)
        {
            worker.Join();
        }

        var result = new double[values.Length];
        for (var i = 0; i < count; i++)
        {
            (problems[i].Best ?? problems[i].Original).CopyTo(result, i * features);
        }

        return scope.Keep(Torch.Torch.FromArray(result, x.Shape).To(x.DType, x.Device));
    }

    /// <summary>C&amp;W's search over c for one input; the smallest adversarial of all solves ends up in its <c>Best</c>.</summary>
    private void Search(Problem problem)
    {
        var search = new ConstantSearch(1, Options.InitialConst);
        var outcomes = new Dictionary<double, bool>();
        for (var step = 0; step < Options.BinarySearchSteps; step++)
        {
            var c = search.Constant(0, step, Options.BinarySearchSteps);
            // C&W's last step repeats at the upper bound: the same c from the same start gives the same solve, so a c
            // already solved is not solved again
            if (!outcomes.TryGetValue(c, out var succeeded))
            {
                succeeded = Solve(problem, c);
                outcomes[c] = succeeded;
            }

            search.Update([succeeded]);
        }
    }

    /// <summary>
    /// Minimises ‖r‖² + c·loss from r = 0; true if the minimiser found (the point of least objective) meets the
    /// criterion, as Foolbox and CleverHans judge a solve. An adversarial point met on the way (a line search overshooting
    /// the boundary at a c too small) still counts for <see cref="Problem.Best"/>, but not as success: otherwise the
    /// search over c walks down to constants whose solves only cross the boundary by overshooting, far from the minimum.
    /// </summary>
    private bool Solve(Problem problem, double c)
    {
        problem.BeginSolve(c, 4 * Options.MaxIterations + 20);
        var start = Vector<double>.Build.DenseOfArray(problem.Original);
        var objective = ObjectiveFunction.Gradient(problem.Evaluate);
        try
        {
            if (Options.Solver == LbfgsSolver.LimitedMemory)
            {
                new LimitedMemoryBfgsMinimizer(Options.GradientTolerance, ParameterTolerance, FunctionProgressTolerance, Options.Memory,
                    Options.MaxIterations).FindMinimum(objective, start);
            }
            else
            {
                var lower = Vector<double>.Build.Dense(start.Count, problem.Bounds.Low);
                var upper = Vector<double>.Build.Dense(start.Count, problem.Bounds.High);
                new BfgsBMinimizer(Options.GradientTolerance, ParameterTolerance, FunctionProgressTolerance, Options.MaxIterations)
                    .FindMinimum(objective, lower, upper, start);
            }
        }
        catch (OptimizationException)
        {
            // iteration limit, failed line search, non-finite values (float32 noise near the optimum): keep what was found
        }
        catch (EvaluationBudgetExhausted)
        {
        }
        catch (ArgumentException e) when (e.Source == "MathNet.Numerics")
        {
            // BfgsBMinimizer's Cholesky of a Hessian estimate that lost positive definiteness
        }

        return problem.MinimiserAdversarial;
    }

    /// <summary>Targeted: CE(Z, t) = logsumexp(Z) − Z_t; untargeted: −log(1 − p_y) = logsumexp(Z) − logsumexp_{k≠y}(Z).</summary>
    private static Tensor Loss(Tensor logits, Tensor labels, bool targeted)
    {
        using var scope = TensorScope.Begin();
        var index = labels.Unsqueeze(1);
        var all = logits.LogSumExp(1);
        var rest = targeted
            ? logits.Gather(1, index).Squeeze(1)
            : logits.Scatter(1, index, double.NegativeInfinity).LogSumExp(1);
        return scope.Keep(all.Sub(rest));
    }

    /// <summary>Thrown from an evaluation to end a solve whose line searches have used up its evaluations.</summary>
    private sealed class EvaluationBudgetExhausted : Exception;

    /// <summary>
    /// Rounds of batched evaluation: each worker posts the point it needs evaluated and waits; once every worker still
    /// running has posted, <see cref="Serve"/> evaluates them together (in index order, so runs are deterministic) and
    /// hands the rows back.
    /// </summary>
    private sealed class EvaluationRounds(int count)
    {
        private readonly object gate = new();
        private readonly double[]?[] requests = new double[]?[count];
        private readonly (double[] Logits, double[] Gradient, bool Adversarial)?[] answers = new (double[], double[], bool)?[count];
        private int running = count;
        private int waiting;
        private Exception? failure;

        /// <summary>Runs a worker's whole search, then leaves the rounds; an exception is passed on to <see cref="Serve"/>.</summary>
        public void Work(int index, Action search)
        {
            try
            {
                search();
            }
            catch (Exception e) when (e is not RoundsAborted)
            {
                lock (gate)
                {
                    failure ??= e;
                }
            }
            catch (RoundsAborted)
            {
            }
            finally
            {
                lock (gate)
                {
                    running--;
                    Monitor.PulseAll(gate);
                }
            }
        }

        /// <summary>Called by worker <paramref name="index"/>: the logits, loss gradient and verdict at <paramref name="point"/>.</summary>
        public (double[] Logits, double[] Gradient, bool Adversarial) Evaluate(int index, double[] point)
        {
            lock (gate)
            {
                requests[index] = point;
                waiting++;
                Monitor.PulseAll(gate);
                while (answers[index] is null)
                {
                    if (failure is not null)
                    {
                        throw new RoundsAborted();
                    }

                    Monitor.Wait(gate);
                }

                var answer = answers[index]!.Value;
                answers[index] = null;
                return answer;
            }
        }

        /// <summary>Serves rounds on the calling thread until every worker has finished.</summary>
        public void Serve(Func<int[], double[], (double[] Logits, double[] Gradients, bool[] Adversarial)> evaluate)
        {
            while (true)
            {
                int[] indices;
                double[][] points;
                lock (gate)
                {
                    while (waiting < running && failure is null)
                    {
                        Monitor.Wait(gate);
                    }

                    if (failure is not null || running == 0)
                    {
                        Monitor.PulseAll(gate);
                        if (failure is not null)
                        {
                            throw new InvalidOperationException("the L-BFGS search of an input failed", failure);
                        }

                        return;
                    }

                    indices = Enumerable.Range(0, requests.Length).Where(i => requests[i] is not null).ToArray();
                    points = indices.Select(i => requests[i]!).ToArray();
                    foreach (var i in indices)
                    {
                        requests[i] = null;
                    }

                    waiting = 0;
                }

                (double[] Logits, double[] Gradients, bool[] Adversarial) rows;
                try
                {
                    rows = evaluate(indices, points.SelectMany(p => p).ToArray());
                }
                catch (Exception e)
                {
                    lock (gate)
                    {
                        failure = e;
                        Monitor.PulseAll(gate);
                    }

                    throw;
                }

                var classes = rows.Logits.Length / indices.Length;
                var features = rows.Gradients.Length / indices.Length;
                lock (gate)
                {
                    for (var r = 0; r < indices.Length; r++)
                    {
                        answers[indices[r]] = (rows.Logits.AsSpan(r * classes, classes).ToArray(),
                            rows.Gradients.AsSpan(r * features, features).ToArray(), rows.Adversarial[r]);
                    }

                    Monitor.PulseAll(gate);
                }
            }
        }

        /// <summary>Ends a worker's search when the evaluation of another round failed.</summary>
        private sealed class RoundsAborted : Exception;
    }

    /// <summary>One input's problem: the objective MathNet evaluates, and the smallest adversarial met so far.</summary>
    private sealed class Problem(int index, double[] original, long label, bool targeted, Bounds bounds, EvaluationRounds rounds)
    {
        private double constant;
        private int evaluationsLeft;
        private double bestDistance = double.PositiveInfinity;
        private double leastObjective;

        public int Index { get; } = index;

        public double[] Original { get; } = original;

        public Bounds Bounds { get; } = bounds;

        public double[]? Best { get; private set; }

        /// <summary>Whether the point of least objective in the current solve meets the criterion.</summary>
        public bool MinimiserAdversarial { get; private set; }

        public void BeginSolve(double c, int evaluations)
        {
            constant = c;
            evaluationsLeft = evaluations;
            leastObjective = double.PositiveInfinity;
            MinimiserAdversarial = false;
        }

        /// <summary>f(w) = ‖P(w) − x‖² + c·loss(P(w)) + ‖w − P(w)‖² and its gradient.</summary>
        public (double Value, Vector<double> Gradient) Evaluate(Vector<double> w)
        {
            if (evaluationsLeft-- <= 0)
            {
                throw new EvaluationBudgetExhausted();
            }

            var n = Original.Length;
            var point = new double[n];
            var outside = 0.0;
            for (var j = 0; j < n; j++)
            {
                point[j] = Math.Clamp(w[j], Bounds.Low, Bounds.High);
                outside += (w[j] - point[j]) * (w[j] - point[j]);
            }

            var (logits, lossGradient, adversarial) = rounds.Evaluate(Index, point);
            var distance = 0.0;
            for (var j = 0; j < n; j++)
            {
                distance += (point[j] - Original[j]) * (point[j] - Original[j]);
            }

            if (adversarial)
            {
                if (distance < bestDistance)
                {
                    bestDistance = distance;
                    Best = point;
                }
            }

            var gradient = new double[n];
            for (var j = 0; j < n; j++)
            {
                // through the clip, P'(w) is 1 inside the box and 0 outside, where only the penalty pulls back
                gradient[j] = w[j] == point[j]
                    ? 2 * (point[j] - Original[j]) + constant * lossGradient[j]
                    : OutsidePenalty * (w[j] - point[j]);
            }

            var value = distance + constant * LossValue(logits) + OutsidePenalty / 2 * outside;
            if (value < leastObjective)
            {
                leastObjective = value;
                MinimiserAdversarial = adversarial;
            }

            return (value, Vector<double>.Build.DenseOfArray(gradient));
        }

        /// <summary><see cref="Loss"/> in double precision from the logits of this input.</summary>
        private double LossValue(double[] logits)
        {
            var all = LogSumExp(logits, -1);
            var rest = targeted ? logits[label] : LogSumExp(logits, label);
            return all - rest;
        }

        private static double LogSumExp(double[] values, long skip)
        {
            var max = double.NegativeInfinity;
            for (var k = 0; k < values.Length; k++)
            {
                if (k != skip)
                {
                    max = Math.Max(max, values[k]);
                }
            }

            var sum = 0.0;
            for (var k = 0; k < values.Length; k++)
            {
                if (k != skip)
                {
                    sum += Math.Exp(values[k] - max);
                }
            }

            return max + Math.Log(sum);
        }
    }
}
