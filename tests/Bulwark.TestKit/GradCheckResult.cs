using System.Globalization;
using System.Text;

namespace Bulwark.TestKit;

/// <summary>
/// The outcome of a gradient check: one line per element whose analytical and numerical derivatives
/// disagree (at most <see cref="GradCheckOptions.MaxReportedFailures"/> of them), and the largest error seen.
/// Assert with <c>result.Failures.ShouldBeEmpty()</c>, which prints the lines when it fails.
/// </summary>
public sealed class GradCheckResult
{
    internal GradCheckResult(string order, IReadOnlyList<string> failures, int failureCount, int elementsChecked,
        double maxAbsoluteError)
    {
        Order = order;
        Failures = failures;
        FailureCount = failureCount;
        ElementsChecked = elementsChecked;
        MaxAbsoluteError = maxAbsoluteError;
    }

    /// <summary>"first order" or "second order".</summary>
    public string Order { get; }

    public IReadOnlyList<string> Failures { get; }

    /// <summary>Number of mismatching elements, including those not listed in <see cref="Failures"/>.</summary>
    public int FailureCount { get; }

    public int ElementsChecked { get; }

    /// <summary>Largest |analytical − numerical| over every checked element (NaN when either was NaN).</summary>
    public double MaxAbsoluteError { get; }

    public bool Passed => FailureCount == 0;

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"{Order} gradient check: {FailureCount} of {ElementsChecked} elements mismatch, max |error| {MaxAbsoluteError:G4}");
        foreach (var failure in Failures)
        {
            text.AppendLine().Append("  ").Append(failure);
        }

        return text.ToString();
    }
}
