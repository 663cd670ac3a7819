namespace Bulwark.Data;

/// <summary>
/// A dataset could not be installed: a tool it needs (npm, dpkg, apt-get) is missing or failed, or what it
/// fetched is incomplete or does not verify. The message says what went wrong and what to do about it.
/// </summary>
public sealed class DataInstallException : Exception
{
    public DataInstallException(string message)
        : base(message)
    {
    }

    public DataInstallException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
