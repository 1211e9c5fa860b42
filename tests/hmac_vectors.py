"""Cronofy's published test vectors for push notification signatures, for the app's tests
and the sandbox's alike: HMAC-SHA256 (standard base64) of one 24-byte body under each secret."""

BODY = b'{"example":"well-known"}'
OLD = "CRN_NggYusqPGLxwjw5FHOJYOqSrTPNXy8WQf14OID"  # two secrets, as while rotating one
NEW = "CRN_nGlYDFXwfSXgB9rvGNBJyfE454GGPtWIbNuPwr"
VECTORS = [
    ("pDY0Oi7TJSP2hfNmZNkm5", "6r2/HjBkqymGegX0wOfifieeUXbbHwtV/LohHS+jv6c="),
    (OLD, "5DxentQi5YSXODEzTVv06sRwJ3pULIz1KrYv20qxEK0="),
    (NEW, "BmQmWVuZ70ILWjr1CAt5oC7YOolgnku4WZtlrKfx/6k="),
    ("opposable thumbs", "38ArsN7+J/O8joGsgirVEdV16a/+eb+5QgHGIiuv4hk="),
    (
        "aPPwd-ASDFAsdfasdfasdfsadfasdfASDFSADF_asdfasdfasdf",
        "0g6bhIumRlRffctPXuASSl3u6AXOxnYRw+hiTp7IvTg=",
    ),
]
