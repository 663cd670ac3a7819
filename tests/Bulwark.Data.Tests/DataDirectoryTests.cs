namespace Bulwark.Data.Tests;

public sealed class DataDirectoryTests
{
    private const string Home = "/home/ada";

    [Fact]
    public void Should_use_the_explicit_folder_When_one_is_given_and_the_variable_is_set()
    {
        var resolved = DataDirectory.ResolveWith("/srv/data", _ => "/from/env", Home);

        resolved.ShouldBe("/srv/data");
    }

    [Fact]
    public void Should_use_the_environment_variable_When_no_folder_is_given()
    {
        string? Environment(string name) => name == DataDirectory.EnvironmentVariable ? "/from/env" : null;

        DataDirectory.ResolveWith(null, Environment, Home).ShouldBe("/from/env");
        DataDirectory.ResolveWith("  ", Environment, Home).ShouldBe("/from/env");
    }

    [Fact]
    public void Should_use_the_home_folder_When_neither_folder_nor_variable_is_given()
    {
        DataDirectory.ResolveWith(null, _ => null, Home).ShouldBe("/home/ada/.bulwark/data");
        DataDirectory.ResolveWith(string.Empty, _ => string.Empty, Home).ShouldBe("/home/ada/.bulwark/data");
    }

    [Fact]
    public void Should_return_a_full_path_When_the_folder_is_relative_or_starts_with_tilde()
    {
        DataDirectory.ResolveWith("data", _ => null, Home).ShouldBe(Path.GetFullPath("data"));
        DataDirectory.ResolveWith(null, _ => "~/datasets", Home).ShouldBe("/home/ada/datasets");
    }
}
