namespace Bulwark.Evaluation;

/// <summary>Where an <see cref="EvaluationSuite"/> run is: the stage (e.g. "ddn (l2)") and its batches done.</summary>
/// <param name="Stage">What is running.</param>
/// <param name="StageIndex">0-based position of the stage.</param>
/// <param name="Stages">Number of stages in the run.</param>
/// <param name="Done">Work units of the stage done (inputs for attacks).</param>
/// <param name="Total">Work units of the stage.</param>
public sealed record SuiteProgress(string Stage, int StageIndex, int Stages, int Done, int Total);
