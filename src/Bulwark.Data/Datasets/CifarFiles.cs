namespace Bulwark.Data;

internal static class CifarFiles
{
    public static string[] Require(string dataDir, string folderName, IReadOnlyList<string> fileNames, string displayName, string archive)
    {
        var folder = Path.Combine(dataDir, folderName);
        return fileNames.Select(name =>
        {
            var path = Path.Combine(folder, name);
            return File.Exists(path)
                ? path
                : throw new FileNotFoundException(
                    $"{displayName} file '{name}' not found: expected '{path}'. Download the binary version ({archive}) from " +
                    $"https://www.cs.toronto.edu/~kriz/cifar.html and extract it into '{dataDir}' (it creates '{folderName}/'), or point " +
                    $"--data-dir or {DataDirectory.EnvironmentVariable} at the folder that holds it.",
                    path);
        }).ToArray();
    }
}
