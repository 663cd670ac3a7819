using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Bulwark.Torch.Interop;

/// <summary>
/// Finds <c>libbulwark.so</c>: the path in <c>BULWARK_NATIVE</c>, the assembly's directory, or the
/// <c>native/build</c> folder of a source checkout above it.
/// </summary>
internal static class NativeLibraryLoader
{
    internal const string LibraryName = "bulwark";

#pragma warning disable CA2255 // a module initializer is the one place that runs before any P/Invoke
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register()
    {
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);

        // Debian's libtorch starts with one intra-op thread: use every core unless BULWARK_THREADS says otherwise.
        var configured = Environment.GetEnvironmentVariable("BULWARK_THREADS");
        var threads = int.TryParse(configured, out var n) && n > 0 ? n : Environment.ProcessorCount;
        try
        {
            NativeMethods.BwRuntime_setNumThreads(threads);
        }
        catch (DllNotFoundException)
        {
            // reported with its remedy at the first real call
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != LibraryName)
        {
            return IntPtr.Zero;
        }

        foreach (var candidate in Candidates())
        {
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var loaded))
            {
                return loaded;
            }
        }

        return NativeLibrary.TryLoad("libbulwark.so", assembly, searchPath, out var fallback)
            ? fallback
            : throw new DllNotFoundException(
                "libbulwark.so was not found. Build it with scripts/build-native.sh (or ./bulwark, which builds " +
                "first), or set BULWARK_NATIVE to its path.");
    }

    private static IEnumerable<string> Candidates()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("BULWARK_NATIVE");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            yield return fromEnvironment;
        }

        var directory = AppContext.BaseDirectory;
        yield return Path.Combine(directory, "libbulwark.so");
        for (var current = new DirectoryInfo(directory); current is not null; current = current.Parent)
        {
            yield return Path.Combine(current.FullName, "native", "build", "libbulwark.so");
        }
    }
}
