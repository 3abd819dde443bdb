"""Word lists the world speaks with: the built-in taxonomy, filler, names, places, emoji.

Pure data. ``TAXONOMY_WORDS`` maps category -> subcategory -> concept -> related words; the
first word of every list is the readable name of the node. Worlds asking for more categories,
subcategories or concepts than listed here get pronounceable made-up names (``taxonomy.py``).
"""

from __future__ import annotations

# category -> (category words, {subcategory -> (subcategory words, {concept -> concept words})})
TAXONOMY_WORDS: dict[str, tuple[list[str], dict[str, tuple[list[str], dict[str, list[str]]]]]] = {
    "Animals": (
        ["animals", "wildlife", "creatures"],
        {
            "Pets": (
                ["pets", "petsofinstagram", "furry"],
                {
                    "Cat": ["cat", "kitten", "meow", "whiskers", "purr"],
                    "Dog": ["dog", "puppy", "woof", "doggo", "fetch"],
                    "Rabbit": ["rabbit", "bunny", "hop", "carrot", "ears"],
                    "Hamster": ["hamster", "tiny", "wheel", "cheeks", "nibble"],
                },
            ),
            "Birds": (
                ["birds", "birding", "feathers"],
                {
                    "Eagle": ["eagle", "raptor", "talons", "soar", "wings"],
                    "Parrot": ["parrot", "macaw", "colorful", "talk", "beak"],
                    "Owl": ["owl", "hoot", "night", "wise", "nocturnal"],
                    "Penguin": ["penguin", "waddle", "ice", "colony", "tuxedo"],
                },
            ),
            "Safari": (
                ["safari", "savanna", "wild"],
                {
                    "Lion": ["lion", "mane", "roar", "pride", "king"],
                    "Elephant": ["elephant", "trunk", "tusks", "herd", "giant"],
                    "Giraffe": ["giraffe", "neck", "tall", "spots", "acacia"],
                    "Zebra": ["zebra", "stripes", "herd", "plains", "graze"],
                },
            ),
            "Sea life": (
                ["sealife", "ocean", "underwater"],
                {
                    "Dolphin": ["dolphin", "pod", "splash", "clever", "fin"],
                    "Whale": ["whale", "breach", "humpback", "song", "giant"],
                    "Turtle": ["turtle", "shell", "reef", "slow", "hatchling"],
                    "Octopus": ["octopus", "tentacles", "ink", "camouflage", "suckers"],
                },
            ),
        },
    ),
    "Food": (
        ["food", "foodie", "yummy"],
        {
            "Desserts": (
                ["desserts", "sweettooth", "sugar"],
                {
                    "Cake": ["cake", "frosting", "slice", "birthday", "layers"],
                    "Donut": ["donut", "glazed", "sprinkles", "dough", "ring"],
                    "Ice cream": ["icecream", "scoop", "cone", "gelato", "vanilla"],
                    "Cookie": ["cookie", "chocolatechip", "crunchy", "baked", "crumbs"],
                },
            ),
            "Street food": (
                ["streetfood", "fastfood", "snack"],
                {
                    "Pizza": ["pizza", "cheese", "slice", "pepperoni", "oven"],
                    "Burger": ["burger", "patty", "bun", "grill", "fries"],
                    "Taco": ["taco", "salsa", "tortilla", "spicy", "lime"],
                    "Ramen": ["ramen", "noodles", "broth", "bowl", "slurp"],
                },
            ),
            "Drinks": (
                ["drinks", "beverage", "sip"],
                {
                    "Coffee": ["coffee", "latte", "espresso", "beans", "barista"],
                    "Tea": ["tea", "matcha", "teapot", "steep", "chai"],
                    "Smoothie": ["smoothie", "blend", "berries", "fresh", "straw"],
                    "Cocktail": ["cocktail", "mojito", "bar", "ice", "garnish"],
                },
            ),
            "Healthy": (
                ["healthy", "cleaneating", "greens"],
                {
                    "Salad": ["salad", "lettuce", "dressing", "crisp", "bowl"],
                    "Sushi": ["sushi", "salmon", "rice", "roll", "wasabi"],
                    "Fruit": ["fruit", "mango", "berries", "juicy", "ripe"],
                    "Avocado toast": ["avocado", "toast", "brunch", "smashed", "seeds"],
                },
            ),
        },
    ),
    "Nature": (
        ["nature", "outdoors", "earth"],
        {
            "Landscapes": (
                ["landscapes", "scenery", "views"],
                {
                    "Mountain": ["mountain", "peak", "summit", "alpine", "hike"],
                    "Beach": ["beach", "sand", "waves", "shore", "sunbathing"],
                    "Forest": ["forest", "trees", "woods", "moss", "trail"],
                    "Desert": ["desert", "dunes", "cactus", "dry", "mirage"],
                },
            ),
            "Flowers": (
                ["flowers", "bloom", "garden"],
                {
                    "Rose": ["rose", "petals", "thorns", "romantic", "bouquet"],
                    "Tulip": ["tulip", "spring", "bulbs", "fields", "colorful"],
                    "Sunflower": ["sunflower", "yellow", "seeds", "tall", "sunny"],
                    "Orchid": ["orchid", "exotic", "delicate", "purple", "greenhouse"],
                },
            ),
            "Sky": (
                ["sky", "skyporn", "above"],
                {
                    "Sunset": ["sunset", "golden", "dusk", "horizon", "glow"],
                    "Clouds": ["clouds", "fluffy", "overcast", "cumulus", "drift"],
                    "Rainbow": ["rainbow", "colors", "rain", "arc", "spectrum"],
                    "Stars": ["stars", "night", "milkyway", "galaxy", "astro"],
                },
            ),
            "Water": (
                ["water", "blue", "flow"],
                {
                    "Lake": ["lake", "calm", "reflection", "shore", "still"],
                    "River": ["river", "stream", "current", "bank", "bridge"],
                    "Waterfall": ["waterfall", "cascade", "mist", "falls", "roar"],
                    "Glacier": ["glacier", "ice", "frozen", "arctic", "melt"],
                },
            ),
        },
    ),
    "Sports": (
        ["sports", "game", "athlete"],
        {
            "Ball games": (
                ["ballgames", "match", "team"],
                {
                    "Soccer": ["soccer", "goal", "pitch", "striker", "football"],
                    "Basketball": ["basketball", "dunk", "hoop", "court", "nba"],
                    "Tennis": ["tennis", "racket", "serve", "ace", "wimbledon"],
                    "Baseball": ["baseball", "homerun", "pitcher", "bat", "inning"],
                },
            ),
            "Water sports": (
                ["watersports", "splash", "waves"],
                {
                    "Surfing": ["surfing", "surfboard", "swell", "barrel", "wax"],
                    "Swimming": ["swimming", "pool", "laps", "freestyle", "goggles"],
                    "Sailing": ["sailing", "yacht", "wind", "regatta", "mast"],
                    "Kayaking": ["kayaking", "paddle", "rapids", "canoe", "river"],
                },
            ),
            "Winter sports": (
                ["wintersports", "snow", "cold"],
                {
                    "Skiing": ["skiing", "slope", "powder", "lift", "downhill"],
                    "Snowboard": ["snowboard", "halfpipe", "carve", "board", "park"],
                    "Skating": ["skating", "rink", "blades", "spin", "figure"],
                    "Hockey": ["hockey", "puck", "stick", "goalie", "ice"],
                },
            ),
            "Fitness": (
                ["fitness", "workout", "gym"],
                {
                    "Yoga": ["yoga", "pose", "mat", "stretch", "namaste"],
                    "Running": ["running", "marathon", "pace", "sneakers", "miles"],
                    "Cycling": ["cycling", "bike", "pedal", "tour", "helmet"],
                    "Lifting": ["lifting", "barbell", "squat", "gains", "reps"],
                },
            ),
        },
    ),
    "Travel": (
        ["travel", "wanderlust", "trip"],
        {
            "Cities": (
                ["cities", "urban", "downtown"],
                {
                    "Paris": ["paris", "eiffel", "croissant", "seine", "louvre"],
                    "Tokyo": ["tokyo", "shibuya", "neon", "sakura", "metro"],
                    "New York": ["newyork", "manhattan", "subway", "skyline", "brooklyn"],
                    "Rome": ["rome", "colosseum", "pasta", "fountain", "vatican"],
                },
            ),
            "Landmarks": (
                ["landmarks", "monument", "heritage"],
                {
                    "Bridge": ["bridge", "arch", "span", "crossing", "steel"],
                    "Castle": ["castle", "tower", "medieval", "moat", "king"],
                    "Temple": ["temple", "shrine", "ancient", "stone", "prayer"],
                    "Lighthouse": ["lighthouse", "coast", "beacon", "cliff", "keeper"],
                },
            ),
            "Transport": (
                ["transport", "journey", "ride"],
                {
                    "Train": ["train", "rails", "station", "carriage", "express"],
                    "Airplane": ["airplane", "flight", "wing", "airport", "takeoff"],
                    "Ferry": ["ferry", "deck", "harbor", "crossing", "boat"],
                    "Road trip": ["roadtrip", "highway", "van", "route", "drive"],
                },
            ),
            "Stays": (
                ["stays", "getaway", "vacation"],
                {
                    "Hotel": ["hotel", "lobby", "suite", "pool", "checkin"],
                    "Camping": ["camping", "tent", "campfire", "sleepingbag", "outdoors"],
                    "Cabin": ["cabin", "cozy", "fireplace", "woods", "log"],
                    "Resort": ["resort", "spa", "lagoon", "palms", "allinclusive"],
                },
            ),
        },
    ),
    "Fashion": (
        ["fashion", "style", "ootd"],
        {
            "Clothing": (
                ["clothing", "outfit", "wear"],
                {
                    "Dress": ["dress", "gown", "floral", "hem", "silk"],
                    "Sneakers": ["sneakers", "kicks", "laces", "sole", "drop"],
                    "Jacket": ["jacket", "denim", "leather", "zip", "layer"],
                    "Hat": ["hat", "cap", "beanie", "brim", "fedora"],
                },
            ),
            "Accessories": (
                ["accessories", "details", "bling"],
                {
                    "Watch": ["watch", "wrist", "dial", "strap", "timepiece"],
                    "Sunglasses": ["sunglasses", "shades", "lenses", "frames", "summer"],
                    "Handbag": ["handbag", "purse", "tote", "clutch", "designer"],
                    "Jewelry": ["jewelry", "necklace", "ring", "earrings", "gold"],
                },
            ),
            "Beauty": (
                ["beauty", "glam", "selfcare"],
                {
                    "Makeup": ["makeup", "lipstick", "eyeliner", "palette", "contour"],
                    "Nails": ["nails", "manicure", "polish", "nailart", "gel"],
                    "Hairstyle": ["hairstyle", "braids", "curls", "haircut", "salon"],
                    "Perfume": ["perfume", "fragrance", "scent", "bottle", "notes"],
                },
            ),
            "Looks": (
                ["looks", "aesthetic", "vibe"],
                {
                    "Streetwear": ["streetwear", "hoodie", "hype", "oversized", "urban"],
                    "Vintage": ["vintage", "retro", "thrift", "classic", "secondhand"],
                    "Formal": ["formal", "suit", "tie", "tuxedo", "gala"],
                    "Boho": ["boho", "fringe", "festival", "earthy", "flowy"],
                },
            ),
        },
    ),
    "Tech": (
        ["tech", "technology", "digital"],
        {
            "Gadgets": (
                ["gadgets", "devices", "unboxing"],
                {
                    "Smartphone": ["smartphone", "phone", "screen", "apps", "camera"],
                    "Laptop": ["laptop", "keyboard", "notebook", "specs", "battery"],
                    "Headphones": ["headphones", "earbuds", "bass", "wireless", "audio"],
                    "Drone": ["drone", "aerial", "propellers", "flying", "footage"],
                },
            ),
            "Gaming": (
                ["gaming", "gamer", "play"],
                {
                    "Console": ["console", "controller", "playstation", "xbox", "couch"],
                    "Esports": ["esports", "tournament", "league", "clutch", "stream"],
                    "Retro games": ["retrogames", "arcade", "pixel", "cartridge", "8bit"],
                    "Virtual reality": ["vr", "headset", "immersive", "metaverse", "virtual"],
                },
            ),
            "Space": (
                ["space", "cosmos", "nasa"],
                {
                    "Rocket": ["rocket", "launch", "liftoff", "booster", "countdown"],
                    "Planet": ["planet", "mars", "saturn", "orbit", "rings"],
                    "Moon": ["moon", "lunar", "crater", "fullmoon", "eclipse"],
                    "Satellite": ["satellite", "orbit", "antenna", "signal", "station"],
                },
            ),
            "Vehicles": (
                ["vehicles", "cars", "motors"],
                {
                    "Sports car": ["sportscar", "supercar", "horsepower", "racing", "turbo"],
                    "Electric car": ["electriccar", "ev", "charging", "tesla", "battery"],
                    "Motorbike": ["motorbike", "motorcycle", "helmet", "throttle", "rider"],
                    "Truck": ["truck", "pickup", "haul", "offroad", "diesel"],
                },
            ),
        },
    ),
    "Art": (
        ["art", "artist", "creative"],
        {
            "Painting": (
                ["painting", "canvas", "brush"],
                {
                    "Watercolor": ["watercolor", "wash", "paper", "pastel", "soft"],
                    "Oil painting": ["oilpainting", "oils", "easel", "texture", "gallery"],
                    "Portrait": ["portrait", "face", "sitter", "likeness", "study"],
                    "Abstract": ["abstract", "shapes", "modern", "bold", "expression"],
                },
            ),
            "Music": (
                ["music", "musician", "sound"],
                {
                    "Guitar": ["guitar", "strings", "riff", "acoustic", "chords"],
                    "Piano": ["piano", "keys", "melody", "grand", "sonata"],
                    "Concert": ["concert", "stage", "crowd", "live", "encore"],
                    "Vinyl": ["vinyl", "record", "turntable", "lp", "crate"],
                },
            ),
            "Crafts": (
                ["crafts", "handmade", "diy"],
                {
                    "Pottery": ["pottery", "clay", "wheel", "glaze", "ceramic"],
                    "Knitting": ["knitting", "yarn", "wool", "needles", "scarf"],
                    "Origami": ["origami", "paper", "fold", "crane", "crease"],
                    "Woodwork": ["woodwork", "carving", "timber", "chisel", "workshop"],
                },
            ),
            "Photography": (
                ["photography", "photo", "shot"],
                {
                    "Street photo": ["streetphoto", "candid", "crowd", "city", "moment"],
                    "Macro": ["macro", "closeup", "detail", "lens", "tiny"],
                    "Black and white": ["blackandwhite", "monochrome", "noir", "grain", "contrast"],
                    "Long exposure": ["longexposure", "lighttrails", "tripod", "blur", "night"],
                },
            ),
        },
    ),
}

# Words that carry no topic: caption and comment padding.
FILLER_WORDS: tuple[str, ...] = (
    "just",
    "really",
    "so",
    "today",
    "again",
    "finally",
    "still",
    "always",
    "little",
    "this",
    "that",
    "here",
    "now",
    "maybe",
    "kind",
    "of",
    "the",
    "a",
    "my",
    "our",
    "with",
    "and",
    "for",
    "from",
    "at",
    "on",
    "in",
    "some",
    "more",
    "very",
    "pretty",
    "quite",
    "too",
    "lol",
    "tbh",
    "honestly",
    "literally",
    "anyway",
    "yesterday",
    "weekend",
    "morning",
    "tonight",
)

# Caption openers (a few words each).
CAPTION_OPENERS: tuple[str, ...] = (
    "check out this",
    "look at this",
    "can't get over this",
    "loving this",
    "my new",
    "another day another",
    "obsessed with this",
    "throwback to this",
    "nothing beats a",
    "found this",
    "so proud of this",
    "weekend vibes with",
    "guess what",
    "behold the",
    "caught this",
    "first time seeing a",
)

# Adjectives that may precede a concept word.
ADJECTIVES: tuple[str, ...] = (
    "amazing",
    "beautiful",
    "stunning",
    "cute",
    "epic",
    "perfect",
    "gorgeous",
    "lovely",
    "wild",
    "classic",
    "fresh",
    "rare",
    "huge",
    "cozy",
    "bright",
    "dreamy",
)

# Comment openers (short reactions).
COMMENT_OPENERS: tuple[str, ...] = (
    "wow",
    "love this",
    "so good",
    "amazing",
    "need this",
    "omg",
    "great shot",
    "nice",
    "this is everything",
    "wish i was there",
    "so cute",
    "incredible",
    "yes",
    "goals",
)

# Emoji-like tokens (single code points or ASCII, so character offsets stay simple).
EMOJI_TOKENS: tuple[str, ...] = (
    "✨",
    "❤",
    "☀",
    "★",
    "♪",
    "☕",
    "⚡",
    "✌",
    ":)",
    ":D",
    "<3",
    "xD",
    "!!",
    "✔",
)

FIRST_NAMES: tuple[str, ...] = (
    "Alex",
    "Sam",
    "Jordan",
    "Taylor",
    "Morgan",
    "Casey",
    "Riley",
    "Jamie",
    "Avery",
    "Quinn",
    "Maya",
    "Leo",
    "Nora",
    "Omar",
    "Ivy",
    "Hugo",
    "Lena",
    "Kai",
    "Zoe",
    "Emil",
    "Sofia",
    "Ravi",
    "Mila",
    "Theo",
    "Ana",
    "Yuki",
    "Lucas",
    "Amara",
    "Noah",
    "Elif",
    "Jonas",
    "Priya",
)

LAST_NAMES: tuple[str, ...] = (
    "Smith",
    "Garcia",
    "Chen",
    "Kowalski",
    "Nguyen",
    "Müller",
    "Rossi",
    "Silva",
    "Kim",
    "Okafor",
    "Dubois",
    "Haddad",
    "Novak",
    "Larsen",
    "Tanaka",
    "Moreno",
    "Ivanova",
    "Brown",
    "Patel",
    "Cohen",
    "Jensen",
    "Lopez",
    "Schmidt",
    "Walsh",
)

LOCATIONS: tuple[str, ...] = (
    "London, UK",
    "Paris, France",
    "Berlin, Germany",
    "Madrid, Spain",
    "Rome, Italy",
    "New York, NY",
    "Los Angeles, CA",
    "Chicago, IL",
    "Austin, TX",
    "Seattle, WA",
    "Toronto, Canada",
    "Mexico City",
    "São Paulo, Brazil",
    "Lagos, Nigeria",
    "Nairobi, Kenya",
    "Cairo, Egypt",
    "Mumbai, India",
    "Tokyo, Japan",
    "Seoul, Korea",
    "Sydney, Australia",
    "Singapore",
    "Dublin, Ireland",
    "Amsterdam",
    "Stockholm, Sweden",
    "Lisbon, Portugal",
    "earth",
    "somewhere",
    "",
)

# Bio fragments: "{opener} {interest words}".
BIO_OPENERS: tuple[str, ...] = (
    "into",
    "lover of",
    "all about",
    "obsessed with",
    "posting",
    "fan of",
    "living for",
    "sharing",
    "mostly",
    "talking about",
)

BIO_TAILS: tuple[str, ...] = (
    "views my own",
    "dm for collabs",
    "coffee first",
    "she/her",
    "he/him",
    "they/them",
    "just vibing",
    "here for the memes",
    "photographer",
    "student",
    "dreamer",
    "",
)

# Syllables for made-up names when a world asks for a bigger taxonomy than listed above.
SYLLABLES: tuple[str, ...] = (
    "ka",
    "lo",
    "mi",
    "ra",
    "zu",
    "pe",
    "ti",
    "no",
    "sha",
    "vel",
    "dor",
    "fin",
    "gra",
    "bel",
    "qui",
    "ton",
    "mar",
    "sel",
    "ux",
    "yo",
)
