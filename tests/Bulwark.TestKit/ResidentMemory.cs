using System.Diagnostics;
using System.Globalization;

namespace Bulwark.TestKit;

/// <summary>The resident set size of this process: the memory native allocations really occupy.</summary>
public static class ResidentMemory
{
    /// <summary>Resident bytes, from /proc/self/statm where it exists (Linux), else the working set.</summary>
    public static long Bytes
    {
        get
        {
            const string statm = "/proc/self/statm";
            if (File.Exists(statm))
            {
                // statm: size resident shared text lib data dt, in pages
                var fields = File.ReadAllText(statm).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(fields[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
            }

            using var process = Process.GetCurrentProcess();
            return process.WorkingSet64;
        }
    }
}
