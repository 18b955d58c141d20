/* The admin fills in a slug as the name or headline is typed (prepopulated_fields). Django's
   URLify keeps letters and digits of any script but drops combining marks: "हिन्दी" became
   "हनद". This keeps them, as newsroom/slugs.py does on the server, and counts the length in
   characters as the database does, not in UTF-16 units. */
"use strict";
{
    const djangoURLify = window.URLify;
    window.URLify = function(s, numChars, allowUnicode) {
        if (!allowUnicode) {
            return djangoURLify(s, numChars, allowUnicode);
        }
        const slug = s.normalize("NFKC").toLowerCase()
            .replace(/[^-_\p{L}\p{N}\p{M}\s]/gu, "")
            .trim()
            .replace(/[-\s]+/g, "-");
        return Array.from(slug).slice(0, numChars).join("").replace(/-+$/, "");
    };
}
