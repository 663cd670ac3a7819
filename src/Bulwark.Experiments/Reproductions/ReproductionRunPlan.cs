using System.Text.Json;
using System.Text.Json.Serialization;
using Bulwark.Defenses.Training;
using Bulwark.Evaluation;
using Bulwark.Torch.Serialization;

namespace Bulwark.Experiments;

/// <summary>
/// What a run of a reproduction was trained with — its model, protocol, objective, the training images, and the plan
/// of the run it starts from — recorded in its run directory so that a later invocation reuses its checkpoint or its
/// measurements only when they answer the same question.
/// </summary>
internal sealed record ReproductionRunPlan
{
    public const string FileName = "reproduce-plan.json";

    [JsonPropertyName("run")]
    public required ReproductionRun Run { get; init; }

    /// <summary>Training images used (null: the whole training set).</summary>
    [JsonPropertyName("train_samples")]
    public int? TrainSamples { get; init; }

    /// <summary>The plan of the run whose best weights this one starts from (post-processing), or null.</summary>
    [JsonPropertyName("starts_from")]
    public ReproductionRunPlan? StartsFrom { get; init; }

    /// <summary>How a recorded plan relates to the one asked for now.</summary>
    public enum Change
    {
        /// <summary>The same training: the checkpoint and, with the same evaluation, the measurements stand.</summary>
        None,

        /// <summary>The same training with a larger budget (epochs or steps): the checkpoint continues.</summary>
        LongerBudget,
    }

    public static ReproductionRunPlan? Read(string directory)
    {
        var file = Path.Combine(directory, FileName);
        if (!File.Exists(file))
        {
            return null;
        }

        try
        {
            return MetricsJson.Deserialize<ReproductionRunPlan>(File.ReadAllText(file));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: not a reproduction run plan ({e.Message})", e);
        }
    }

    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(Path.Combine(directory, FileName), MetricsJson.Serialize(this));
    }

    /// <summary>
    /// How <paramref name="recorded"/> (what the run in <paramref name="directory"/> was trained with) relates to this
    /// plan; anything else than the same training or a longer budget is refused.
    /// </summary>
    /// <exception cref="InvalidOperationException">The run was trained differently, or for a larger budget than asked.</exception>
    public Change Against(ReproductionRunPlan recorded, string directory)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        var differing = JsonDifferences.Between(WithoutBudget(recorded), WithoutBudget(this));
        if (differing.Count > 0)
        {
            throw new InvalidOperationException(
                $"{directory} holds the run '{Run.Id}' trained with another plan ({string.Join(", ", differing)} " +
                $"{(differing.Count == 1 ? "differs" : "differ")}; see {Path.Combine(directory, FileName)}); " +
                "run it with the settings it was trained with, or choose another --out");
        }

        var (was, now) = (recorded.Run.Training, Run.Training);
        if (was.Epochs == now.Epochs && was.MaxSteps == now.MaxSteps)
        {
            return Change.None;
        }

        if (now.Epochs < was.Epochs || (now.MaxSteps ?? long.MaxValue) < (was.MaxSteps ?? long.MaxValue))
        {
            throw new InvalidOperationException(
                $"{directory} holds the run '{Run.Id}' planned for {Budget(was)}, more than the {Budget(now)} asked now: " +
                "a trained run cannot be shortened; ask for at least its budget, or choose another --out");
        }

        return Change.LongerBudget;
    }

    private static string Budget(TrainerOptions options) =>
        options.MaxSteps is { } steps ? $"{options.Epochs} epochs or {steps} steps" : $"{options.Epochs} epochs";

    /// <summary>The plan with the run's own budget and display label blanked (a parent's budget still counts: its weights differ).</summary>
    private static ReproductionRunPlan WithoutBudget(ReproductionRunPlan plan) => plan with
    {
        Run = plan.Run with { Label = "", Training = plan.Run.Training with { Epochs = 0, MaxSteps = null } },
    };
}
