/*
 * bcryptprimitives.dll for Wine 8.0: Go >= 1.22 programs import ProcessPrng
 * from bcryptprimitives.dll at start-up, and Wine 8.0 has no such DLL, so
 * they die with "bcryptprimitives.dll not found". This stand-in exports
 * ProcessPrng and fills the buffer from BCryptGenRandom with the system RNG.
 * Built by ci/wine.sh with x86_64-w64-mingw32-gcc; used only under Wine.
 */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
