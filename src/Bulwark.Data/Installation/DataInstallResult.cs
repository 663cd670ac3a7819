namespace Bulwark.Data;

/// <summary>The outcome of <see cref="DataInstaller.InstallAsync"/>.</summary>
/// <param name="Name">The dataset's name, e.g. <c>mnist</c>.</param>
/// <param name="Folder">The folder that holds its files.</param>
/// <param name="Files">The full paths of its files.</param>
/// <param name="AlreadyInstalled">True when valid files were already there and nothing was fetched.</param>
public sealed record DataInstallResult(string Name, string Folder, IReadOnlyList<string> Files, bool AlreadyInstalled);
