using System.Reflection;

namespace Bulwark.PublicApi.Tests;

/// <summary>
/// The public API of each library must equal its checked-in listing in docs/api/. After an intended change, run the
/// tests with BULWARK_UPDATE_API=1 to rewrite the listings, and review the diff.
/// </summary>
public sealed class PublicApiTests
{
    public static TheoryData<string> Assemblies => new() { "Bulwark.Torch", "Bulwark.Data", "Bulwark.Attacks", "Bulwark.Defenses", "Bulwark.Evaluation", "Bulwark.Experiments" };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void Should_match_the_checked_in_listing_When_the_public_API_is_built(string assemblyName)
    {
        // Given
        var assembly = Assembly.Load(assemblyName);
        var listing = Path.Combine(RepositoryRoot(), "docs", "api", assemblyName + ".txt");

        // When
        var actual = PublicApiListing.For(assembly);

        // Then
        if (Environment.GetEnvironmentVariable("BULWARK_UPDATE_API") == "1")
        {
            File.WriteAllText(listing, actual);
        }

        File.Exists(listing).ShouldBeTrue($"{listing} is missing; run the tests with BULWARK_UPDATE_API=1 to create it");
        var expected = File.ReadAllText(listing);
        var added = actual.Split('\n').Except(expected.Split('\n')).ToList();
        var removed = expected.Split('\n').Except(actual.Split('\n')).ToList();
        (added.Count + removed.Count).ShouldBe(0,
            $"public API of {assemblyName} changed (update with BULWARK_UPDATE_API=1):\n+ {string.Join("\n+ ", added)}\n- {string.Join("\n- ", removed)}");
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Bulwark.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("repository root (Bulwark.slnx) not found above " + AppContext.BaseDirectory);
    }
}
